// The same seed gives bit-identical training at 1 and 2 threads, on the active backend and on 'wasm' when it
// can start (with 'js' both runs are trivially equal). Also: js and wasm agree closely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parameter } from '../../src/engine/param.js';
import { tidy } from '../../src/engine/tensor.js';
import { Rng } from '../../src/core/rng.js';
import { xavierUniform } from '../../src/engine/init.js';
import { Adam } from '../../src/engine/optim.js';
import { backendInfo, kernels, setBackend, setThreads, wasmAvailable } from '../../src/engine/kernels/index.js';
import * as O from '../../src/engine/ops.js';
import type { CsrMatrix } from '../../src/engine/kernels/types.js';

/** A few LightGCN-flavoured steps (spmm, gather, matmul, rowDot, softplus, Adam lazy + dense); returns all params. */
function train(seed: number): Float32Array[] {
  const nu = 60, ni = 90, d = 32, B = 64;
  const g = Rng.stream(seed, 'split');
  // a random bipartite graph as a symmetric normalised (nu+ni)² adjacency
  const edges: Array<[number, number]> = [];
  for (let u = 0; u < nu; u++) for (let t = 0; t < 6; t++) edges.push([u, nu + g.int(ni)]);
  const n = nu + ni;
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [u, i] of edges) {
    if (!adj[u].includes(i)) {
      adj[u].push(i);
      adj[i].push(u);
    }
  }
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [], values: number[] = [];
  for (let r = 0; r < n; r++) {
    adj[r].sort((a, b) => a - b);
    for (const c of adj[r]) {
      indices.push(c);
      values.push(1 / Math.sqrt(adj[r].length * adj[c].length));
    }
    indptr[r + 1] = indices.length;
  }
  const A: CsrMatrix = { rows: n, cols: n, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
  const init = Rng.stream(seed, 'init');
  const E = xavierUniform(new Parameter([n, d], { name: 'E' }), init);
  const W = xavierUniform(new Parameter([d, d], { name: 'W' }), init);
  const T = xavierUniform(new Parameter([ni, d], { name: 'T', sparse: true }), init);
  const opt = new Adam([E, W], { lr: 0.01, weightDecay: 1e-4 });
  const lazy = new Adam([T], { lr: 0.01, lazy: true });
  const batch = Rng.stream(seed, 'batch');
  for (let step = 0; step < 4; step++) {
    const us = new Int32Array(B), ps = new Int32Array(B), ns = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const e = edges[batch.int(edges.length)];
      us[b] = e[0];
      ps[b] = e[1];
      ns[b] = nu + batch.int(ni);
    }
    opt.zeroGrad();
    lazy.zeroGrad();
    tidy(() => {
      const h1 = O.spmm(A, E);
      const h2 = O.spmm(A, h1);
      const H = O.matmul(O.meanOf([E, h1, h2]), W);
      const u = O.gatherRows(H, us);
      const sp = O.rowDot(u, O.add(O.gatherRows(H, ps), O.gatherRows(T, Int32Array.from(ps, (x) => x - nu))));
      const sn = O.rowDot(u, O.add(O.gatherRows(H, ns), O.gatherRows(T, Int32Array.from(ns, (x) => x - nu))));
      const scores = O.matmulABt(O.sliceRows(u, 0, 8), O.sliceRows(T, 0, 16)); // exercises A·Bᵀ
      O.add(O.mean(O.softplus(O.sub(sn, sp))), O.scale(O.mean(O.square(scores)), 1e-3)).backward();
    });
    opt.step();
    lazy.step();
  }
  const out = [E.data.slice(), W.data.slice(), T.data.slice()];
  for (const p of [E, W, T]) p.dispose();
  opt.dispose();
  lazy.dispose();
  return out;
}

function bitsEqual(a: Float32Array[], b: Float32Array[], what: string): void {
  for (let k = 0; k < a.length; k++) {
    const x = new Uint32Array(a[k].buffer, a[k].byteOffset, a[k].length);
    const y = new Uint32Array(b[k].buffer, b[k].byteOffset, b[k].length);
    let diff = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff++;
    assert.equal(diff, 0, `${what}: parameter ${k} differs in ${diff} of ${x.length} entries`);
  }
}

test('same seed, 1 vs 2 threads: bit-identical (active backend)', () => {
  const name = kernels().name;
  setThreads(1);
  const a = train(42);
  setThreads(2);
  const b = train(42);
  bitsEqual(a, b, `${name} 1 vs 2 threads`);
  const c = train(43);
  assert.notDeepEqual(Array.from(c[0].subarray(0, 8)), Array.from(a[0].subarray(0, 8)), 'another seed differs');
});

test('wasm backend (when it can start): 1 vs 2 threads bit-identical, and close to js', (t) => {
  if (!wasmAvailable()) {
    t.skip('WASM backend unavailable: ' + String(backendInfo().fallbackReason));
    return;
  }
  const prev = kernels().name as 'js' | 'wasm';
  try {
    setBackend('wasm');
    setThreads(1);
    const a = train(7);
    setThreads(2);
    const b = train(7);
    bitsEqual(a, b, 'wasm 1 vs 2 threads');
    setBackend('js');
    const j = train(7);
    for (let k = 0; k < a.length; k++) {
      let maxd = 0;
      for (let i = 0; i < a[k].length; i++) maxd = Math.max(maxd, Math.abs(a[k][i] - j[k][i]));
      assert.ok(maxd < 1e-4, `wasm vs js parameter ${k}: max |diff| ${maxd}`);
    }
  } finally {
    setBackend(prev);
  }
});
