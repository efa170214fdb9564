// Contrastive DNS RQ1 on ML-100K (papers/dns-contrastive.md Table 2): preset cdns-mf with list dissimilar / similar /
// random against the static uniform sampler with BPR, one seed (the preset's). One JSON line per variant: epochs run,
// best epoch, the mean test false-negative rate over the epochs run (all negatives, and per slot: for cdns slot 0 is
// the uniform j, slot 1 the list item j′), validation and test metrics at the best epoch (100 sampled negatives per
// test positive), eq. 6 entropy at the best epoch, wall seconds.
// Usage (after `npm run build`): node experiments/cdns-rq1/run.mjs [EPOCHS=150] [LABEL-FILTER]
import { datasetFromConfig } from '../../dist/src/cli/common.js';
import { setThreads } from '../../dist/src/engine/kernels/index.js';
import { train } from '../../dist/src/experiments/run.js';
import { resolveConfig } from '../../dist/src/experiments/presets.js';

setThreads(Number(process.env.HARDNEG_THREADS ?? 1));
const epochs = Number(process.argv[2] ?? 150);
const only = process.argv[3];
const variants = [
  ['uniform (BPR)', { sampler: { name: 'uniform' }, loss: { name: 'bpr' } }],
  ['cdns dissimilar', { sampler: { name: 'cdns', list: 'dissimilar' } }],
  ['cdns similar', { sampler: { name: 'cdns', list: 'similar' } }],
  ['cdns random', { sampler: { name: 'cdns', list: 'random' } }],
];
const pct = (x) => +(100 * x).toFixed(4);
for (const [label, over] of variants) {
  if (only && !label.includes(only)) continue;
  const cfg = resolveConfig('cdns-mf', { epochs, ...over });
  const t = performance.now();
  const r = await train(cfg, await datasetFromConfig(cfg.dataset));
  const mean = (f) => r.epochs.reduce((a, e) => a + f(e), 0) / r.epochs.length;
  const slots = r.epochs[0].diagnostics.falseNegativeRateBySlot?.map((_, j) => pct(mean((e) => e.diagnostics.falseNegativeRateBySlot[j])));
  console.log(JSON.stringify({
    label, epochsRun: r.epochsRun, bestEpoch: r.bestEpoch, fnRatePct: pct(mean((e) => e.diagnostics.falseNegativeRate)),
    fnBySlotPct: slots ?? null, valid: r.best, test: r.test,
    entropyAtBest: r.evaluations.find((e) => e.epoch === r.bestEpoch)?.entropy, seconds: +((performance.now() - t) / 1000).toFixed(1),
  }));
}
