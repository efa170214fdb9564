// `npm run bench -- serve [--run DIR] [--rate 200] [--seconds 10] [--batch 50] [--batch-rate 20] [--json[=path]]`:
// `hardneg serve` on loopback under a fixed offered load. The server is a child process (the real CLI); this
// process is the load generator, so the two never share an event loop. Open loop: request i is due at
// t0 + i/rate whether or not earlier ones have been answered, and its latency is counted from when it was due
// (a stalled server cannot hide its queue by slowing the generator down). Bounded: rate × seconds requests per
// phase, and a phase stops waiting 10 s after its last request was due (anything unanswered then counts as lost).
// Phases: single-user GET /recommend at --rate; batched POST /recommend of --batch users at --batch-rate; the
// single-user phase again with a SIGHUP reload of the run folder a quarter of the way in. Reference in the same run: the
// same Model.recommend call in this process with no HTTP (the server's floor). Without --run, a 1-epoch MF run on
// Gowalla is trained first into a temporary folder ($HARDNEG_SHARED_DATA or ../shared/data).
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { Model } from '../src/serving/model.js';
import { envReport, flagValue, formatEnv, formatTable, hasFlag, intFlag } from './lib/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

interface PhaseResult {
  phase: string;
  offeredPerSec: number;
  sent: number;
  ok: number;
  failed: number;
  lost: number;
  seconds: number;
  /** Answers per second over the phase (first due to last answer). */
  throughputPerSec: number;
  usersPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] : NaN;
}

/** Sends `n` requests at `rate` per second (open loop) and collects their latencies from their due times. */
async function phase(name: string, port: number, rate: number, n: number, make: (i: number) => { method: string; path: string; body?: string },
  usersPer: number, during?: (i: number) => void): Promise<PhaseResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const lat: number[] = [];
  let ok = 0;
  let failed = 0;
  let answered = 0;
  let lastAnswer = 0;
  const t0 = performance.now() + 20;
  const done = new Promise<void>((resolveDone) => {
    const finishOne = () => {
      answered++;
      lastAnswer = performance.now();
      if (answered === n) resolveDone();
    };
    let i = 0;
    const tick = () => {
      const now = performance.now();
      while (i < n && t0 + (i * 1000) / rate <= now) {
        const due = t0 + (i * 1000) / rate;
        const r = make(i);
        during?.(i);
        const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, agent,
          headers: r.body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) } : {} }, (res) => {
          res.resume();
          res.once('end', () => {
            lat.push(performance.now() - due);
            if (res.statusCode === 200) ok++;
            else failed++;
            finishOne();
          });
        });
        req.once('error', () => {
          failed++;
          finishOne();
        });
        req.end(r.body);
        i++;
      }
      if (i < n) setTimeout(tick, Math.max(0, t0 + (i * 1000) / rate - performance.now() - 0.5));
    };
    tick();
  });
  const limit = (n / rate) * 1000 + 10_000;
  await Promise.race([done, new Promise((r) => setTimeout(r, limit))]);
  agent.destroy();
  lat.sort((a, b) => a - b);
  const seconds = ((answered ? lastAnswer : performance.now()) - t0) / 1000;
  return {
    phase: name, offeredPerSec: rate, sent: n, ok, failed, lost: n - answered, seconds,
    throughputPerSec: ok / seconds, usersPerSec: (ok * usersPer) / seconds,
    p50Ms: quantile(lat, 0.5), p90Ms: quantile(lat, 0.9), p99Ms: quantile(lat, 0.99), maxMs: lat.length ? lat[lat.length - 1] : NaN,
  };
}

function trainGowalla(): string {
  const data = join(process.env.HARDNEG_SHARED_DATA ?? resolve('..', 'shared', 'data'), 'gowalla', 'light_gcn_gowalla');
  if (!existsSync(data)) throw new Error(`no --run given and no Gowalla data at ${data} (set HARDNEG_SHARED_DATA)`);
  const dir = join(mkdtempSync(join(tmpdir(), 'hn-bench-serve-')), 'gowalla-mf');
  process.stderr.write(`training a 1-epoch MF run on Gowalla into ${dir} …\n`);
  const r = spawnSync(process.execPath, [CLI, 'train', '-p', 'mf-bpr-gowalla', '-d', data, '--epochs', '1', '--out', dir, '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`training failed (exit ${r.status})`);
  return dir;
}

export async function main(argv: string[]): Promise<number> {
  const rate = intFlag(argv, 'rate', 200);
  const seconds = intFlag(argv, 'seconds', 10);
  const batch = intFlag(argv, 'batch', 50);
  const batchRate = intFlag(argv, 'batch-rate', 20);
  const k = intFlag(argv, 'k', 20);
  const json = hasFlag(argv, 'json');
  const given = flagValue(argv, 'run');
  const runDir = given ?? trainGowalla();
  const env = envReport();

  // Reference: the same calls in this process, no HTTP (before any load, so nothing else runs).
  const model = Model.load(runDir).resident();
  const rng = Rng.stream(1, 'bench-serve');
  const pick = () => model.userIds[rng.int(model.numUsers)];
  const direct = (users: number, reps: number) => {
    const t: number[] = [];
    for (let r = 0; r < reps + 5; r++) {
      const us = Array.from({ length: users }, pick);
      const s = performance.now();
      model.recommend(us, { k });
      if (r >= 5) t.push(performance.now() - s);
    }
    t.sort((a, b) => a - b);
    return { p50Ms: quantile(t, 0.5), p99Ms: quantile(t, 0.99) };
  };
  const ref1 = direct(1, 400);
  const refB = direct(batch, 100);
  model.release();

  const child = spawn(process.execPath, [CLI, 'serve', runDir, '--port', '0', '--max-batch', String(Math.max(batch, 1000))], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const results: PhaseResult[] = [];
  let serverMetrics: unknown = null;
  try {
    const port = await new Promise<number>((res, rej) => {
      const t = setInterval(() => {
        const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
        if (m) { clearInterval(t); res(Number(m[1])); }
        if (child.exitCode !== null) { clearInterval(t); rej(new Error(`hardneg serve exited: ${err}`)); }
      }, 20);
    });
    const single = () => ({ method: 'GET', path: `/recommend?user=${encodeURIComponent(pick())}&k=${k}` });
    const batched = () => ({ method: 'POST', path: '/recommend', body: JSON.stringify({ users: Array.from({ length: batch }, pick), k }) });
    await phase('warm-up', port, rate, rate, single, 1); // not reported
    results.push(await phase(`single user, GET`, port, rate, rate * seconds, single, 1));
    results.push(await phase(`batch of ${batch}, POST`, port, batchRate, batchRate * seconds, batched, batch));
    const mid = Math.floor((rate * seconds) / 4);
    results.push(await phase('single user + SIGHUP reload', port, rate, rate * seconds, single, 1, (i) => { if (i === mid) child.kill('SIGHUP'); }));
    const getJson = (path: string) => new Promise<any>((res) => {
      http.get({ host: '127.0.0.1', port, path }, (r) => {
        let t = '';
        r.on('data', (c) => (t += c));
        r.on('end', () => res(JSON.parse(t)));
      }).once('error', () => res(null));
    });
    // The reload may still be loading on a busy machine: wait for it (at most 60 s) so the report says how long it took.
    for (let i = 0; i < 600 && (await getJson('/health'))?.generation !== 2; i++) await new Promise((r) => setTimeout(r, 100));
    serverMetrics = await getJson('/metrics?format=json');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (!given) rmSync(join(runDir, '..'), { recursive: true, force: true });
  }
  const reloaded = /reloaded .*\((\d+\.\d+) s\)/.exec(err);
  const report = {
    bench: 'serve', env, run: given ?? 'Gowalla MF, 1 epoch (trained for the bench)', users: model.numUsers, items: model.numItems, k,
    reference: { singleUser: ref1, batch: { users: batch, ...refB } }, phases: results,
    reloadSeconds: reloaded ? Number(reloaded[1]) : null, serverMetrics,
  };
  if (json) {
    const path = flagValue(argv, 'json');
    if (path) writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
    else console.log(JSON.stringify(report, null, 2));
  }
  if (!json || flagValue(argv, 'json')) {
    console.log(formatEnv(env));
    console.log(`hardneg serve on loopback, ${model.numUsers} users × ${model.numItems} items, k ${k}; load generator in another process, open loop`);
    console.log(`reference (Model.recommend in-process, no HTTP): 1 user p50 ${ref1.p50Ms.toFixed(2)} ms p99 ${ref1.p99Ms.toFixed(2)} ms; ` +
      `${batch} users p50 ${refB.p50Ms.toFixed(2)} ms p99 ${refB.p99Ms.toFixed(2)} ms`);
    console.log(formatTable(['phase', 'offered/s', 'sent', 'ok', 'failed', 'lost', 'answers/s', 'users/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p50 / ref'],
      results.map((r) => [r.phase, String(r.offeredPerSec), String(r.sent), String(r.ok), String(r.failed), String(r.lost), r.throughputPerSec.toFixed(1),
        r.usersPerSec.toFixed(0), r.p50Ms.toFixed(2), r.p90Ms.toFixed(2), r.p99Ms.toFixed(2), r.maxMs.toFixed(1),
        (r.p50Ms / (r.phase.startsWith('batch') ? refB.p50Ms : ref1.p50Ms)).toFixed(2)])));
    if (reloaded) console.log(`reload (SIGHUP) took ${reloaded[1]} s in the server, off its event loop`);
    const target = results[0];
    console.log(`target: p99 < 20 ms at ${rate} req/s single-user: ${target.p99Ms.toFixed(2)} ms — ${target.p99Ms < 20 && target.lost === 0 && target.failed === 0 ? 'met' : 'NOT met'}`);
  }
  return results.every((r) => r.failed === 0 && r.lost === 0) ? 0 : 1;
}
