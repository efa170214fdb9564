// `npm run bench -- engine [--json[=path]] [--reps 5] [--threads 2] [--no-torch] [--no-js] [--train path]
//   [--omp-wait=passive|active]`
//
// The engine's hot kernels on the real Gowalla training data and its shapes, against PyTorch doing the same work
// on the same number of threads (bench/torch/engine.py, run once as a subprocess) and against plain JS:
//   (a) scoring 4,096 users × 40,981 items × 64 dims + masked top-20 (mask = the users' training items);
//       plain JS is a register-blocked loop (the floor), timed on a quarter of the users and scaled ×4;
//   (b) S·X and Sᵀ·G, S = D^-½ A D^-½ of the user-item graph (70,839 nodes, 1,620,256 non-zeros), X 70,839×64;
//   (c) one BPR step for 2,048 triples on a 70,839×64 table: gather u/i/j, row dots, log-sigmoid loss,
//       backward, lazy Adam (PyTorch: sparse embedding + SparseAdam) and dense Adam (dense embedding + Adam);
//       hardneg's dense Adam both as zero + scatter + adam and as the fused row-sparse pass (adamDense) Adam takes.
// (a) and (b) run on each WASM kernel build usable here (simd, and fma where it validates), in the same run.
// Every time is a median over repetitions. With --json the summary goes to stdout (or the file) and the
// human-readable table to stderr.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heap } from '../src/engine/memory.js';
import { Rng } from '../src/core/rng.js';
import { createWasmKernels, fmaKernelsStatus, type KernelSet, type WasmKernels } from '../src/engine/kernels/wasm.js';
import { jsKernels } from '../src/engine/kernels/js.js';
import type { AdamHyper, CsrMatrix, Kernels } from '../src/engine/kernels/types.js';
import {
  detectTorch, envReport, flagValue, fmtMs, formatEnv, formatTable, gflops, hasFlag, intFlag, ratio, runPythonJson,
  timeIt, type TimingResult,
} from './lib/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_TRAIN = join(process.env.HARDNEG_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data'),
  'gowalla', 'light_gcn_gowalla', 'train.txt');
const DIM = 64, USERS = 4096, TOPK = 20, BATCH = 2048;

interface Train { nUsers: number; nItems: number; indptr: Int32Array; indices: Int32Array }

/** LightGCN-format train.txt: "user item item ..." per line; user-major CSR with sorted, deduplicated items. */
export function loadTrain(path: string): Train {
  const lines = readFileSync(path, 'utf8').split('\n');
  const rows: number[][] = [];
  let nUsers = 0, nItems = 0;
  for (const line of lines) {
    const t = line.trim();
    if (!t) continue;
    const parts = t.split(/\s+/).map(Number);
    const u = parts[0]!;
    const its = [...new Set(parts.slice(1))].sort((a, b) => a - b);
    rows[u] = its;
    nUsers = Math.max(nUsers, u + 1);
    for (const i of its) nItems = Math.max(nItems, i + 1);
  }
  const indptr = heap.allocI32(nUsers + 1);
  for (let u = 0; u < nUsers; u++) indptr[u + 1] = indptr[u]! + (rows[u]?.length ?? 0);
  const indices = heap.allocI32(indptr[nUsers]!);
  for (let u = 0; u < nUsers; u++) indices.set(rows[u] ?? [], indptr[u]!);
  return { nUsers, nItems, indptr, indices };
}

/** D^-½ A D^-½ of the bipartite graph: users 0..U−1, items U..U+I−1, no self loops; rows sorted. */
export function normalisedAdjacency(t: Train): CsrMatrix {
  const n = t.nUsers + t.nItems;
  const degI = new Int32Array(t.nItems);
  for (let e = 0; e < t.indices.length; e++) degI[t.indices[e]!]++;
  const indptr = heap.allocI32(n + 1);
  for (let u = 0; u < t.nUsers; u++) indptr[u + 1] = indptr[u]! + (t.indptr[u + 1]! - t.indptr[u]!);
  for (let i = 0; i < t.nItems; i++) indptr[t.nUsers + i + 1] = indptr[t.nUsers + i]! + degI[i]!;
  const nnz = indptr[n]!;
  const indices = heap.allocI32(nnz), values = heap.allocF32(nnz);
  const fill = new Int32Array(t.nItems);
  for (let u = 0; u < t.nUsers; u++) {
    const du = t.indptr[u + 1]! - t.indptr[u]!;
    for (let e = t.indptr[u]!; e < t.indptr[u + 1]!; e++) {
      const i = t.indices[e]!;
      const w = 1 / Math.sqrt(du * degI[i]!);
      const pu = indptr[u]! + (e - t.indptr[u]!);
      indices[pu] = t.nUsers + i;
      values[pu] = w;
      // Users arrive in increasing order, so each item row comes out sorted.
      const pi = indptr[t.nUsers + i]! + fill[i]!++;
      indices[pi] = u;
      values[pi] = w;
    }
  }
  return { rows: n, cols: n, indptr, indices, values };
}

function transposeCsr(s: CsrMatrix): CsrMatrix {
  const nnz = s.indptr[s.rows]!;
  const indptr = heap.allocI32(s.cols + 1);
  for (let e = 0; e < nnz; e++) indptr[s.indices[e]! + 1]++;
  for (let c = 0; c < s.cols; c++) indptr[c + 1] += indptr[c]!;
  const indices = heap.allocI32(nnz), values = heap.allocF32(nnz);
  const pos = Int32Array.from(indptr.subarray(0, s.cols));
  for (let r = 0; r < s.rows; r++) {
    for (let e = s.indptr[r]!; e < s.indptr[r + 1]!; e++) {
      const p = pos[s.indices[e]!]!++;
      indices[p] = r;
      values[p] = s.values ? s.values[e]! : 1;
    }
  }
  return { rows: s.cols, cols: s.rows, indptr, indices, values };
}

/**
 * The plain-JS floor for scoring: users × items in 4×4 register blocks (16 scalar accumulators), then the same
 * threshold + heap top-k with the mask walked along each user's sorted CSR row.
 */
function jsScoreTopK(users: Float32Array, items: Float32Array, nu: number, ni: number, d: number, k: number,
  mask: Train, outIdx: Int32Array, outScore: Float32Array): void {
  const NBJ = 256;
  const buf = new Float32Array(4 * NBJ);
  const cur = new Int32Array(4);
  for (let u0 = 0; u0 < nu; u0 += 4) {
    const ru = Math.min(4, nu - u0);
    for (let r = 0; r < ru; r++) {
      outScore.fill(-Infinity, (u0 + r) * k, (u0 + r + 1) * k);
      outIdx.fill(-1, (u0 + r) * k, (u0 + r + 1) * k);
      cur[r] = mask.indptr[u0 + r]!;
    }
    for (let jb = 0; jb < ni; jb += NBJ) {
      const je = Math.min(ni, jb + NBJ);
      for (let j = jb; j < je; j += 4) {
        const rj = Math.min(4, je - j);
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
        const a0 = u0 * d, a1 = ru > 1 ? a0 + d : a0, a2 = ru > 2 ? a0 + 2 * d : a0, a3 = ru > 3 ? a0 + 3 * d : a0;
        const b0 = j * d, b1 = rj > 1 ? b0 + d : b0, b2 = rj > 2 ? b0 + 2 * d : b0, b3 = rj > 3 ? b0 + 3 * d : b0;
        for (let p = 0; p < d; p++) {
          const x0 = users[a0 + p]!, x1 = users[a1 + p]!, x2 = users[a2 + p]!, x3 = users[a3 + p]!;
          const y0 = items[b0 + p]!, y1 = items[b1 + p]!, y2 = items[b2 + p]!, y3 = items[b3 + p]!;
          s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
          s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
          s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
          s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
        }
        const o = j - jb;
        buf[o] = s00; buf[o + 1] = s01; buf[o + 2] = s02; buf[o + 3] = s03;
        buf[NBJ + o] = s10; buf[NBJ + o + 1] = s11; buf[NBJ + o + 2] = s12; buf[NBJ + o + 3] = s13;
        buf[2 * NBJ + o] = s20; buf[2 * NBJ + o + 1] = s21; buf[2 * NBJ + o + 2] = s22; buf[2 * NBJ + o + 3] = s23;
        buf[3 * NBJ + o] = s30; buf[3 * NBJ + o + 1] = s31; buf[3 * NBJ + o + 2] = s32; buf[3 * NBJ + o + 3] = s33;
      }
      for (let r = 0; r < ru; r++) {
        const u = u0 + r;
        let e = cur[r]!;
        const eEnd = mask.indptr[u + 1]!;
        while (e < eEnd && mask.indices[e]! < je) {
          buf[r * NBJ + mask.indices[e]! - jb] = -Infinity;
          e++;
        }
        cur[r] = e;
        const hs = u * k;
        let thr = outScore[hs]!;
        for (let j = jb; j < je; j++) {
          const s = buf[r * NBJ + j - jb]!;
          if (s > thr) {
            heapReplaceRoot(outScore, outIdx, hs, k, s, j);
            thr = outScore[hs]!;
          }
        }
      }
    }
    for (let r = 0; r < ru; r++) heapSortDesc(outScore, outIdx, (u0 + r) * k, k);
  }
}

function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

function heapReplaceRoot(hs: Float32Array, hi: Int32Array, o: number, n: number, s: number, id: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= n) break;
    const m = l + 1 < n && worse(hs[o + l + 1]!, hi[o + l + 1]!, hs[o + l]!, hi[o + l]!) ? l + 1 : l;
    if (!worse(hs[o + m]!, hi[o + m]!, s, id)) break;
    hs[o + c] = hs[o + m]!;
    hi[o + c] = hi[o + m]!;
    c = m;
  }
  hs[o + c] = s;
  hi[o + c] = id;
}

function heapSortDesc(hs: Float32Array, hi: Int32Array, o: number, k: number): void {
  for (let e = k - 1; e > 0; e--) {
    const s = hs[o + e]!, id = hi[o + e]!;
    hs[o + e] = hs[o]!;
    hi[o + e] = hi[o]!;
    heapReplaceRoot(hs, hi, o, e, s, id);
  }
}

interface BprState {
  table: Float32Array; m: Float32Array; v: Float32Array; grad: Float32Array;
  g: Float32Array; dg: Float32Array; sp: Float32Array; sn: Float32Array; coef: Float32Array;
  stamp: Int32Array; slot: Int32Array; uniq: Int32Array; gradU: Float32Array; rowSlot: Int32Array; step: number;
}

/** x̂ = s⁺ − s⁻, loss = mean softplus(−x̂), coef = ∂loss/∂x̂ = −σ(−x̂)/B. */
function bprLoss(sp: Float32Array, sn: Float32Array, coef: Float32Array, b: number): number {
  let loss = 0;
  for (let r = 0; r < b; r++) {
    const x = sp[r]! - sn[r]!;
    loss += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
    coef[r] = -1 / (1 + Math.exp(x)) / b;
  }
  return loss / b;
}

/** Row scaling for the backward when a backend has no scaleRows kernel (plain JS). */
function scaleRowsJs(src: Float32Array, coef: Float32Array, rows: number, d: number, out: Float32Array,
  alpha: number, acc: boolean): void {
  for (let r = 0; r < rows; r++) {
    const c = Math.fround(alpha * coef[r]!);
    for (let j = 0; j < d; j++) out[r * d + j] = (acc ? out[r * d + j]! : 0) + c * src[r * d + j]!;
  }
}

/** One BPR step: idx = [users; pos; neg] (3B rows of the table). */
function bprStep(kk: Kernels, st: BprState, idx: Int32Array, b: number, lazy: boolean, fused = false): number {
  const d = DIM;
  const sc = (kk as { scaleRows?: typeof scaleRowsJs }).scaleRows?.bind(kk) ?? scaleRowsJs;
  kk.gatherRows(st.table, d, idx, st.g);
  const U = st.g.subarray(0, b * d), I = st.g.subarray(b * d, 2 * b * d), J = st.g.subarray(2 * b * d, 3 * b * d);
  kk.rowDot(U, I, b, d, st.sp);
  kk.rowDot(U, J, b, d, st.sn);
  const loss = bprLoss(st.sp, st.sn, st.coef, b);
  const dU = st.dg.subarray(0, b * d), dI = st.dg.subarray(b * d, 2 * b * d), dJ = st.dg.subarray(2 * b * d, 3 * b * d);
  sc(I, st.coef, b, d, dU, 1, false);
  sc(J, st.coef, b, d, dU, -1, true);
  sc(U, st.coef, b, d, dI, 1, false);
  sc(U, st.coef, b, d, dJ, -1, false);
  st.step++;
  const h: AdamHyper = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: st.step };
  if (lazy || fused) {
    // Merge repeated rows (first-occurrence order) so each touched row gets one summed gradient.
    let nu = 0;
    const mark = st.step;
    for (let r = 0; r < idx.length; r++) {
      const t = idx[r]!;
      if (st.stamp[2 * t] !== mark) {
        st.stamp[2 * t] = mark;
        st.stamp[2 * t + 1] = nu;
        st.uniq[nu++] = t;
      }
      st.slot[r] = st.stamp[2 * t + 1]!;
    }
    const gu = st.gradU.subarray(0, nu * d);
    gu.fill(0);
    kk.scatterAddRows(st.dg, d, st.slot, gu);
    if (fused) {
      // Dense Adam over the row-sparse grad in one pass, as optim.ts does for a sparse table without `lazy`.
      for (let r = 0; r < nu; r++) st.rowSlot[st.uniq[r]!] = r;
      kk.adamDense!(st.table, gu, st.rowSlot, d, st.m, st.v, h);
      for (let r = 0; r < nu; r++) st.rowSlot[st.uniq[r]!] = -1;
    } else kk.adamRows(st.table, gu, st.uniq.subarray(0, nu), d, st.m, st.v, h);
  } else {
    // As Parameter does: the WASM path clears with memory.fill (heap.zero), the JS floor with TypedArray.fill.
    if (kk.name === 'wasm') heap.zero(st.grad);
    else st.grad.fill(0);
    kk.scatterAddRows(st.dg, d, idx, st.grad);
    kk.adam(st.table, st.grad, st.m, st.v, st.table.length, h);
  }
  return loss;
}

interface TorchOut {
  torch: string; threads: number;
  scoring?: { mmMs: number; maskTopkMs: number; totalMs: number };
  spmm?: { fwdMs: number; bwdMs: number; cooFwdMs: number; csrFwdMs?: number; cooBwdMs: number; csrBwdMs?: number };
  bpr?: { lazyMs: number; denseMs: number };
}

interface Row {
  kernel: string; work: string; oursMs: number; torchMs: number | null; jsMs: number | null;
  rate: string; target: string; pass: boolean | null;
}

export async function main(argv: string[]): Promise<number> {
  const json = hasFlag(argv, 'json');
  const jsonPath = flagValue(argv, 'json');
  const reps = intFlag(argv, 'reps', 5);
  const threads = intFlag(argv, 'threads', 2);
  const trainPath = flagValue(argv, 'train') ?? DEFAULT_TRAIN;
  // On a shared machine OpenMP's default spin-waiting makes PyTorch's small ops 10× slower (measured: BPR step
  // 146 → 10 ms); passive waiting is its best case here, so it is the default. --omp-wait=active to compare.
  const ompWait = (flagValue(argv, 'omp-wait') ?? 'passive').toUpperCase();
  if (ompWait !== 'PASSIVE' && ompWait !== 'ACTIVE') throw new Error(`--omp-wait: 'active' or 'passive', got '${ompWait}'`);
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
  if (!existsSync(trainPath)) {
    log(`engine bench: ${trainPath} not found (pass --train or set HARDNEG_SHARED_DATA)`);
    return 2;
  }
  const env = envReport();
  log(`engine bench — ${formatEnv(env)}`);

  // PyTorch first, alone, so the two sides never run at the same time.
  let torch: TorchOut | null = null;
  let torchNote = '';
  if (!hasFlag(argv, 'no-torch')) {
    const py = detectTorch();
    if (!py || py.torch === null) {
      torchNote = py ? `PyTorch not importable by ${py.python} (${py.reason}); install python3-torch` : 'no python3 found';
    } else {
      log(`PyTorch ${py.torch} (${py.python}), ${threads} threads: running bench/torch/engine.py …`);
      try {
        torch = runPythonJson<TorchOut>(py.python, join(repoRoot, 'bench', 'torch', 'engine.py'),
          ['--train', trainPath, '--threads', String(threads), '--reps', String(reps), '--users', String(USERS),
            '--dim', String(DIM), '--k', String(TOPK), '--batch', String(BATCH)],
          { env: { OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OMP_WAIT_POLICY: ompWait } });
        torchNote = `PyTorch ${torch.torch} on ${torch.threads} threads, OMP_WAIT_POLICY=${ompWait}`;
      } catch (e) {
        torchNote = `PyTorch run failed: ${(e as Error).message.split('\n')[0]}`;
      }
    }
  } else torchNote = 'PyTorch skipped (--no-torch)';
  log(torchNote);

  const train = loadTrain(trainPath);
  const S = normalisedAdjacency(train);
  const St = transposeCsr(S);
  const n = S.rows, nnz = S.indptr[n]!;
  log(`Gowalla train: ${train.nUsers} users, ${train.nItems} items, ${train.indices.length} interactions; ` +
    `adjacency ${n} nodes, ${nnz} non-zeros`);
  const sets: KernelSet[] = fmaKernelsStatus().ok ? ['simd', 'fma'] : ['simd'];
  const bySet = new Map<KernelSet, WasmKernels>(sets.map((k) => [k, createWasmKernels(threads, { kernels: k })]));
  const wasm = bySet.get(sets[sets.length - 1]!)!;
  log(`kernel sets: ${sets.join(', ')}${sets.length === 1 ? ` (fma: ${fmaKernelsStatus().reason})` : ''}`);
  const runJs = !hasFlag(argv, 'no-js');
  const rng = Rng.stream(1, 'init');
  const rows: Row[] = [];
  const timings: Record<string, { ours: TimingResult; js?: TimingResult }> = {};

  // (a) scoring + masked top-20.
  {
    const nu = Math.min(USERS, train.nUsers), ni = train.nItems;
    const users = rng.fillNormal(heap.allocF32(nu * DIM), 0, 0.1);
    const items = rng.fillNormal(heap.allocF32(ni * DIM), 0, 0.1);
    const mask: CsrMatrix = { rows: train.nUsers, cols: ni, indptr: train.indptr, indices: train.indices };
    const oi = heap.allocI32(nu * TOPK), os = heap.allocF32(nu * TOPK);
    const perSet = new Map<KernelSet, { t: TimingResult; ids: Int32Array }>();
    for (const [set, k] of bySet) {
      const t = timeIt(() => k.scoreTopK(users, items, nu, ni, DIM, TOPK, mask, 0, null, oi, os), { reps });
      perSet.set(set, { t, ids: Int32Array.from(oi) });
    }
    const ours = perSet.get(sets[sets.length - 1]!)!.t;
    if (perSet.size > 1) {
      // The builds differ in the last bits of the scores: the top-20 lists may swap near-ties only.
      const a = perSet.get('simd')!.ids, c = perSet.get('fma')!.ids;
      let same = 0;
      for (let x = 0; x < a.length; x++) if (a[x] === c[x]) same++;
      log(`scoring: fma vs simd top-20 ids equal at ${same}/${a.length} positions`);
      const ts = perSet.get('simd')!.t;
      timings.scoringSimd = { ours: ts };
      const torchMs0 = torch?.scoring?.totalMs ?? null;
      rows.push({ kernel: 'score + masked top-20 [simd]', work: `${nu}×${ni}×${DIM}`, oursMs: ts.medianMs, torchMs: torchMs0,
        jsMs: null, rate: `${gflops(2 * nu * ni * DIM, ts.medianMs).toFixed(1)} GFLOP/s`, target: '≤2× torch', pass:
          torchMs0 === null ? null : ts.medianMs <= 2 * torchMs0 });
    }
    let js: TimingResult | undefined;
    let jsMs: number | null = null;
    if (runJs) {
      // The floor is slow: a quarter of the users, 3 repetitions, scaled to the full batch.
      const sub = nu >> 2;
      const ji = new Int32Array(sub * TOPK), jsc = new Float32Array(sub * TOPK);
      js = timeIt(() => jsScoreTopK(users, items, sub, ni, DIM, TOPK, train, ji, jsc), { reps: 3, warmup: 0 });
      jsMs = js.medianMs * (nu / sub);
      // The floor must find the same items (it sums in float64, so allow rare near-tie swaps).
      let same = 0;
      for (let x = 0; x < sub * TOPK; x++) if (ji[x] === oi[x]) same++;
      if (same < 0.99 * sub * TOPK) log(`WARNING: JS floor top-k agrees with wasm on only ${same}/${sub * TOPK} entries`);
    }
    const torchMs = torch?.scoring?.totalMs ?? null;
    const fl = 2 * nu * ni * DIM;
    timings.scoring = { ours, js };
    const fmaRun = sets[sets.length - 1] === 'fma';
    rows.push({ kernel: `score + masked top-20 [${sets[sets.length - 1]}]`, work: `${nu}×${ni}×${DIM}`, oursMs: ours.medianMs, torchMs, jsMs,
      rate: `${gflops(fl, ours.medianMs).toFixed(1)} GFLOP/s`, target: fmaRun ? '≥2× faster than torch, ≥5× JS' : '≤2× torch, ≥5× JS',
      pass: torchMs === null || jsMs === null ? null
        : (fmaRun ? torchMs >= 2 * ours.medianMs : ours.medianMs <= 2 * torchMs) && jsMs >= 5 * ours.medianMs });
  }

  // (b) normalised adjacency × dense, forward and backward.
  {
    const x = rng.fillNormal(heap.allocF32(n * DIM), 0, 0.1);
    const g = rng.fillNormal(heap.allocF32(n * DIM), 0, 0.1);
    const y = heap.allocF32(n * DIM), dx = heap.allocF32(n * DIM);
    if (bySet.size > 1) {
      const k = bySet.get('simd')!;
      const f0 = timeIt(() => k.spmm(S, x, DIM, y, false), { reps: Math.max(reps, 7) });
      const tf0 = torch?.spmm?.fwdMs ?? null;
      timings.spmmFwdSimd = { ours: f0 };
      rows.push({ kernel: 'spmm forward S·X [simd]', work: `${n}², nnz ${nnz}, d ${DIM}`, oursMs: f0.medianMs, torchMs: tf0,
        jsMs: null, rate: `${gflops(2 * nnz * DIM, f0.medianMs).toFixed(1)} GFLOP/s`, target: '≥2.5× faster than torch',
        pass: tf0 === null ? null : tf0 >= 2.5 * f0.medianMs });
    }
    const fwd = timeIt(() => wasm.spmm(S, x, DIM, y, false), { reps: Math.max(reps, 7) });
    const bwd = timeIt(() => wasm.spmm(St, g, DIM, dx, false), { reps: Math.max(reps, 7) });
    const yj = new Float32Array(n * DIM);
    const jf = runJs ? timeIt(() => jsKernels.spmm(S, x, DIM, yj, false), { reps: 3 }) : undefined;
    const jb = runJs ? timeIt(() => jsKernels.spmm(St, g, DIM, yj, false), { reps: 3 }) : undefined;
    const fl = 2 * nnz * DIM;
    timings.spmmFwd = { ours: fwd, js: jf };
    timings.spmmBwd = { ours: bwd, js: jb };
    const tf = torch?.spmm?.fwdMs ?? null, tb = torch?.spmm?.bwdMs ?? null;
    rows.push({ kernel: `spmm forward S·X [${sets[sets.length - 1]}]`, work: `${n}², nnz ${nnz}, d ${DIM}`, oursMs: fwd.medianMs, torchMs: tf,
      jsMs: jf?.medianMs ?? null, rate: `${gflops(fl, fwd.medianMs).toFixed(1)} GFLOP/s`, target: '≥2.5× faster than torch',
      pass: tf === null ? null : tf >= 2.5 * fwd.medianMs });
    rows.push({ kernel: 'spmm backward Sᵀ·G', work: 'same', oursMs: bwd.medianMs, torchMs: tb,
      jsMs: jb?.medianMs ?? null, rate: `${gflops(fl, bwd.medianMs).toFixed(1)} GFLOP/s`, target: '—', pass: null });
  }

  // (c) BPR step with lazy and with dense Adam.
  {
    const b = BATCH, d = DIM;
    const brng = Rng.stream(1, 'batch');
    const nb = 8;
    const batches: Int32Array[] = [];
    for (let t = 0; t < nb; t++) {
      const idx = heap.allocI32(3 * b);
      for (let r = 0; r < b; r++) {
        const e = brng.int(train.indices.length);
        // The user of interaction e: binary search in indptr.
        let lo = 0, hi = train.nUsers;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (train.indptr[mid]! <= e) lo = mid;
          else hi = mid - 1;
        }
        idx[r] = lo;
        idx[b + r] = train.nUsers + train.indices[e]!;
        idx[2 * b + r] = train.nUsers + brng.int(train.nItems);
      }
      batches.push(idx);
    }
    const init = rng.fillNormal(heap.allocF32(n * d), 0, 0.1);
    const makeState = (): BprState => {
      const table = heap.allocF32(n * d);
      table.set(init);
      return {
        table, m: heap.allocF32(n * d), v: heap.allocF32(n * d), grad: heap.allocF32(n * d),
        g: heap.allocF32(3 * b * d), dg: heap.allocF32(3 * b * d), sp: heap.allocF32(b), sn: heap.allocF32(b),
        coef: heap.allocF32(b), stamp: new Int32Array(2 * n), slot: heap.allocI32(3 * b), uniq: heap.allocI32(3 * b),
        gradU: heap.allocF32(3 * b * d), rowSlot: heap.allocI32(n).fill(-1), step: 0,
      };
    };
    let lazyMs = 0;
    for (const [lazy, fused] of [[true, false], [false, false], [false, true]] as const) {
      const stW = makeState(), stJ = makeState();
      let it = 0;
      const ours = timeIt(() => void bprStep(wasm, stW, batches[it++ % nb]!, b, lazy, fused), { reps: Math.max(reps, 30), warmup: 3 });
      let jt = 0;
      const js = runJs ? timeIt(() => void bprStep(jsKernels, stJ, batches[jt++ % nb]!, b, lazy, fused), { reps: Math.max(reps, 10), warmup: 2 }) : undefined;
      const torchMs = (lazy ? torch?.bpr?.lazyMs : torch?.bpr?.denseMs) ?? null;
      const key = lazy ? 'bprLazy' : fused ? 'bprDenseFused' : 'bprDense';
      timings[key] = { ours, js };
      if (lazy) lazyMs = ours.medianMs;
      rows.push({ kernel: lazy ? 'BPR step, lazy Adam' : fused ? 'BPR step, dense Adam fused (adamDense)' : 'BPR step, dense Adam (zero+scatter+adam)',
        work: `B ${b}, table ${n}×${d}`, oursMs: ours.medianMs, torchMs, jsMs: js?.medianMs ?? null,
        rate: lazy ? '—' : `${(ours.medianMs / lazyMs).toFixed(2)}× lazy; ${((n * d * 4 * (fused ? 6 : 8)) / 1e6 / ours.medianMs).toFixed(1)} GB/s`,
        target: lazy ? '≥1.5× faster than SparseAdam' : fused ? 'faster than Adam; ≤1.5× lazy' : 'faster than Adam',
        pass: torchMs === null ? null : lazy ? torchMs >= 1.5 * ours.medianMs
          : torchMs > ours.medianMs && (!fused || ours.medianMs <= 1.5 * lazyMs) });
    }
  }
  // (d) Clearing a dense gradient the size of Gowalla's embedding table (done every step with dense Adam):
  // heap.zero (WASM memory.fill) against TypedArray.fill on the same shared-heap view, which it replaced.
  {
    const buf = heap.allocF32(n * DIM);
    const ours = timeIt(() => heap.zero(buf), { reps: Math.max(reps, 30), warmup: 3 });
    const js = timeIt(() => void buf.fill(0), { reps: Math.max(reps, 30), warmup: 3 });
    timings.zero = { ours, js };
    rows.push({ kernel: 'zero a gradient (heap.zero)', work: `${n}×${DIM} floats`, oursMs: ours.medianMs, torchMs: null,
      jsMs: js.medianMs, rate: `${((n * DIM * 4) / 1e6 / ours.medianMs).toFixed(1)} GB/s`, target: 'faster than fill',
      pass: js.medianMs > ours.medianMs });
    heap.free(buf);
  }
  for (const k of bySet.values()) k.dispose();

  const table = formatTable(
    ['kernel', 'work', `ours ms (wasm×${threads})`, `torch ms (×${threads})`, 'JS ms (×1)', 'ours rate', 'torch/ours', 'JS/ours', 'target', 'met'],
    rows.map((r) => [r.kernel, r.work, fmtMs(r.oursMs), fmtMs(r.torchMs), fmtMs(r.jsMs), r.rate,
      ratio(r.torchMs, r.oursMs), ratio(r.jsMs, r.oursMs), r.target, r.pass === null ? '—' : r.pass ? 'yes' : 'NO']));
  log('');
  log(table);
  if (torch?.scoring) {
    log(`torch scoring parts: mm ${fmtMs(torch.scoring.mmMs)} ms, mask + topk ${fmtMs(torch.scoring.maskTopkMs)} ms`);
  }
  if (torch?.spmm) {
    log(`torch spmm: COO fwd ${fmtMs(torch.spmm.cooFwdMs)} / CSR fwd ${fmtMs(torch.spmm.csrFwdMs)} ms; ` +
      `COO bwd ${fmtMs(torch.spmm.cooBwdMs)} / CSR bwd ${fmtMs(torch.spmm.csrBwdMs)} ms (best used)`);
  }
  log(`medians of ≥${reps} repetitions; JS scoring floor timed on ${USERS >> 2} users ×4. ${torchNote}. ` +
    `Load average at start ${env.loadAvg1} (the machine may be shared).`);

  if (json) {
    const summary = {
      bench: 'engine', env, threads, torch: torch ? { version: torch.torch, threads: torch.threads, raw: torch } : null,
      torchNote,
      kernels: Object.fromEntries(rows.map((r) => [r.kernel, {
        oursMs: r.oursMs, torchMs: r.torchMs, jsMs: r.jsMs, torchOverOurs: r.torchMs === null ? null : r.torchMs / r.oursMs,
        jsOverOurs: r.jsMs === null ? null : r.jsMs / r.oursMs, target: r.target, met: r.pass,
      }])),
      samples: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, { ours: v.ours.samples, js: v.js?.samples ?? null }])),
    };
    const text = JSON.stringify(summary, null, 2);
    if (jsonPath) writeFileSync(jsonPath, text + '\n');
    else process.stdout.write(text + '\n');
  }
  return 0;
}
