// `hardneg eval RUN_DIR`: evaluates a saved run's best-epoch embeddings on a split, by the run's protocol (full
// ranking, or sampled ranking against the same fixed lists) unless told otherwise.
import { toJson } from '../experiments/runStore.js';
import { evaluatorFor, protocolOf } from '../evaluation/protocol.js';
import { fmt, table } from '../experiments/markdown.js';
import { DATASET_FLAGS, UsageError, commandFlags, openRun, relocationFromFlags, writeOut } from './common.js';

const USAGE = `usage: hardneg eval RUN_DIR [options]

Evaluates the saved model of a run (its best epoch) by the run's protocol: full ranking with training items
masked, or sampled ranking (each positive against the same fixed negatives the run used).

  --split test|valid    split to evaluate (default test)
  --ks 20,50            cut-offs (default: the run's ks)
  --protocol full|sampled   override the run's protocol
  --negatives N         negatives per positive for --protocol sampled (default: the run's, else 100)
  --no-mask-valid       when testing, do not mask validation items
  --json                print metrics as JSON
  -h, --help

the run's data, when it moved since training (its split rule and filters stay the run's; the fingerprint is checked):
  -d, --dataset S       where the dataset is now: a name or a path
      --format F        the format of that path (default: guessed from its files)
      --data-dir DIR    where named datasets live now`;

const OPTIONS = {
  ...DATASET_FLAGS,
  split: { type: 'string' },
  ks: { type: 'string' },
  protocol: { type: 'string' },
  negatives: { type: 'string' },
  'no-mask-valid': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('eval', USAGE, argv, OPTIONS, ({ values, positionals }) => {
    if (positionals.length !== 1) throw new UsageError('expected one RUN_DIR');
    if (values.split !== undefined && values.split !== 'test' && values.split !== 'valid') {
      throw new UsageError(`--split: expected test or valid, got '${String(values.split)}' (the split to evaluate; the run's split rule is its own)`);
    }
    relocationFromFlags(values);
    if (values.protocol !== undefined && values.protocol !== 'full' && values.protocol !== 'sampled') {
      throw new UsageError(`--protocol: expected full or sampled, got '${String(values.protocol)}'`);
    }
    if (values.negatives !== undefined && !(Number.isInteger(Number(values.negatives)) && Number(values.negatives) >= 1)) {
      throw new UsageError(`--negatives: expected a positive integer, got '${String(values.negatives)}'`);
    }
  });
  if (typeof f === 'number') return f;
  const { values, positionals } = f;
  const { run: stored, dataset, emb } = await openRun(positionals[0], { relocate: relocationFromFlags(values) });
  const split = (values.split as 'test' | 'valid' | undefined) ?? 'test';
  if (split === 'valid' && !dataset.valid) throw new Error(`dataset '${dataset.name}' has no validation split`);
  const ks = values.ks ? String(values.ks).split(',').map((x) => {
    const k = Number(x);
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`--ks: expected positive integers, got '${x}'`);
    return k;
  }) : stored.config.ks;
  const cfg = {
    seed: stored.config.seed,
    evalProtocol: (values.protocol as 'full' | 'sampled' | undefined) ?? stored.config.evalProtocol,
    evalNegatives: values.negatives !== undefined ? Number(values.negatives) : stored.config.evalNegatives,
    // The run's draws of test lists when re-evaluated as it ran (a protocol changed by flags uses one draw).
    evalDraws: values.protocol === undefined && values.negatives === undefined ? stored.config.evalDraws : undefined,
  };
  const protocol = protocolOf(cfg, dataset);
  if (values.negatives !== undefined && protocol.name !== 'sampled') {
    throw new UsageError('--negatives applies to sampled ranking: this run used full ranking (add --protocol sampled)');
  }
  const res = evaluatorFor(cfg, dataset)(emb, dataset, {
    split, ks, maskValidWhenTesting: values['no-mask-valid'] ? false : stored.config.maskValidWhenTesting, epoch: stored.summary.bestEpoch,
  });
  const how = protocol.name === 'full' ? 'full ranking'
    : `sampled ranking, ${protocol.negatives} negatives per positive${res.draws ? `, mean of ${res.draws.length} draws` : ''}`;
  if (values.json) {
    writeOut(toJson({ run: stored.dir, split, protocol, usersEvaluated: res.usersEvaluated, usersSkipped: res.usersSkipped, metrics: res.metrics,
      ...(res.draws ? { draws: res.draws } : {}) }));
  } else {
    const keys = Object.keys(res.metrics);
    writeOut(`${stored.dir}: ${dataset.name} ${split} (${how}), ${res.usersEvaluated} users (${res.usersSkipped} without ${split} items skipped)\n\n` +
      table(['metric', 'value'], keys.map((k) => [k, fmt(res.metrics[k])])));
  }
  return 0;
}
