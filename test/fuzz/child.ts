// Runs library fuzz cases, one after another, in this process: `node child.js CASES.json WORK BASE_RUN BASE_RESUME
// ID...`. Prints `START id` before a case and one JSON result line after it, so the parent can tell which case hung
// (it kills this process after a per-case timeout) or crashed the process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { guessFormat, loadDataset, syntheticDataset, type DatasetSpec } from '../../src/data/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { flagOverrides, normaliseDatasetSpec, openRun, readConfigFile, datasetFromConfig } from '../../src/cli/common.js';
import { recommend } from '../../src/serving/recommend.js';
import { train } from '../../src/experiments/run.js';
import { heap } from '../../src/engine/memory.js';
import { setThreads } from '../../src/engine/kernels/index.js';
import type { FuzzCase } from './cases.js';
import { clearError, materialize, substArgs, type Outcome } from './harness.js';

const [casesFile, work, baseRun, baseResume, ...ids] = process.argv.slice(2);
const all = new Map((JSON.parse(readFileSync(casesFile, 'utf8')) as FuzzCase[]).map((c) => [c.id, c]));
const tiny = syntheticDataset({ users: 30, items: 40, seed: 5 });

const num = (x: unknown): number => (typeof x === 'string' ? Number(x) : x as number);

async function libraryCase(a: Record<string, unknown>): Promise<unknown> {
  if ('alloc' in a) return heap.allocF32(num(a.alloc));
  if ('threads' in a) return setThreads(a.threads as number);
  if ('train' in a) {
    if (a.train === 'bad-dataset') return train({ epochs: 1 }, { ...tiny, train: { ...tiny.train, indices: Int32Array.of(-4) } } as never);
    if (a.train === 'nan-users') return train({ epochs: 1 }, { ...tiny, numUsers: NaN } as never);
    if (a.train === 'bad-config') return train({ epochs: -1, encoder: { name: 'mf', dim: 1e9 } }, tiny);
    return train(JSON.parse('{"__proto__": {"evalProtocol": "sampled"}, "epochs": 1}'), tiny);
  }
  const d = a.dim === undefined ? 4 : num(a.dim);
  const emb = {
    users: new Float32Array(a.short ? 3 : tiny.numUsers * (Number.isInteger(d) && d > 0 ? d : 1)),
    items: new Float32Array(tiny.numItems * (Number.isInteger(d) && d > 0 ? d : 1)), dim: d, itemBias: null,
  };
  // Users as a plain array, so fractional and NaN indices reach recommend() as they are.
  const users = ((a.users as unknown[] | undefined) ?? [0]).map(num);
  return recommend(emb, tiny, users as unknown as Int32Array, a.k === undefined ? 5 : num(a.k));
}

async function runCase(c: FuzzCase, dir: string): Promise<unknown> {
  const args = substArgs(c.args, dir) as never;
  switch (c.op) {
    case 'load': return loadDataset(args as DatasetSpec);
    case 'guess': {
      const f = guessFormat(args);
      if (!f) throw Object.assign(new Error(`${String(args)}: no format recognised`), { name: 'DataError' });
      return loadDataset({ format: f, path: args });
    }
    case 'config': {
      const c2 = resolveConfig(undefined, readConfigFile(args));
      c2.dataset = normaliseDatasetSpec(c2.dataset);
      return c2;
    }
    case 'set': return resolveConfig(undefined, flagOverrides({ set: args }));
    case 'safetensors': return readSafetensors(args);
    case 'openRun': {
      const { dataset, emb } = await openRun(join(dir, 'run'));
      return recommend(emb, dataset, Int32Array.of(0, 1), 5);
    }
    case 'resume': {
      const runDir = join(dir, 'resume');
      const config = resolveConfig(undefined, readConfigFile(join(runDir, 'config.json')));
      const ds = await datasetFromConfig(config.dataset);
      return train(config, ds, { runDir, resume: true });
    }
    case 'library': return libraryCase(args as Record<string, unknown>);
    default: throw new Error(`unknown op ${c.op}`);
  }
}

for (const id of ids) {
  const c = all.get(id)!;
  const dir = join(work, c.id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120));
  process.stdout.write(`START ${id}\n`);
  const t = performance.now();
  let outcome: Outcome;
  let detail = '';
  try {
    materialize(c, dir, { run: baseRun, resume: baseResume });
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, kind: 'lib', outcome: 'crash', detail: `harness: ${(e as Error).message}`, ms: 0 }) + '\n');
    continue;
  }
  try {
    await runCase(c, dir);
    outcome = c.expect === 'error' ? 'silent' : 'ok';
    if (outcome === 'silent') detail = 'accepted an invalid input';
  } catch (e) {
    outcome = clearError(e) ? 'error' : 'crash';
    detail = `${(e as Error)?.name}: ${(e as Error)?.message}`.slice(0, 300);
    if (outcome === 'crash') detail += ` | ${(e as Error)?.stack?.split('\n').slice(1, 3).join(' ')}`;
  }
  // The engine must still work after every case (a failed call may not poison it).
  try {
    heap.free(heap.allocF32(8));
  } catch (e) {
    outcome = 'crash';
    detail = `engine unusable after the case: ${(e as Error).message}`;
  }
  process.stdout.write(JSON.stringify({ id, kind: 'lib', outcome, detail, ms: performance.now() - t }) + '\n');
}
process.exit(0);
