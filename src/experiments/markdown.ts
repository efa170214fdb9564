// Short Markdown summaries of runs, and plain-text / Markdown tables shared by the CLI's sweep and compare.
import type { RunResult } from '../training/types.js';
import { isBeyondAccuracyMetric } from '../evaluation/beyond.js';

export function fmt(x: number | undefined | null, digits = 4): string {
  return x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** A table as aligned plain text (`markdown` false) or a Markdown pipe table. */
export function table(header: string[], rows: string[][], markdown = false): string {
  const w = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => markdown
    ? `| ${r.map((x, c) => (x ?? '').padEnd(w[c])).join(' | ')} |`
    : r.map((x, c) => (c === 0 ? (x ?? '').padEnd(w[c]) : (x ?? '').padStart(w[c]))).join('  ');
  const sep = markdown ? `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|` : w.map((n) => '-'.repeat(n)).join('  ');
  return [line(header), sep, ...rows.map(line)].join('\n');
}

export function summaryMarkdown(r: RunResult): string {
  const c = r.config;
  const lines: string[] = [];
  lines.push(`# ${r.dataset.name}: ${c.encoder.name} + ${c.sampler.name} (seed ${c.seed})`, '');
  for (const w of r.warnings) lines.push(`> **Warning:** ${w}`, '');
  lines.push(`- dataset: ${r.dataset.name} (${r.dataset.numUsers} users, ${r.dataset.numItems} items; train ${r.dataset.train}, ` +
    `valid ${r.dataset.valid}${r.carvedValid ? ' carved from train' : ''}, test ${r.dataset.test}), fingerprint \`${r.dataset.fingerprint}\``);
  lines.push(`- encoder: \`${JSON.stringify(c.encoder)}\``);
  lines.push(`- sampler: \`${JSON.stringify(c.sampler)}\`, loss: \`${JSON.stringify(c.loss ?? 'sampler default / bpr')}\``);
  lines.push(`- optimizer: ${c.optimizer.name} lr ${c.optimizer.lr}, L2 ${c.l2}, batch ${c.batchSize} by ${c.batching}`);
  if (r.initFrom) lines.push(`- warm start: parameters ${r.initFrom.tensors.join(', ')} from \`${r.initFrom.run}\` (its best epoch ${r.initFrom.bestEpoch ?? '?'})`);
  const b = r.backend;
  lines.push(`- kernels: ${b.name} backend${b.kernels ? ` (${b.kernels} kernels)` : ''}, ${b.threads} thread${b.threads === 1 ? '' : 's'}` +
    `${b.fallbackReason !== null ? ` (fell back from ${b.requested}: ${b.fallbackReason})` : ''}`);
  if (r.versions) lines.push(`- versions: hardneg ${r.versions.hardneg}, Node ${r.versions.node}`);
  lines.push(`- selection: ${c.metric} on ${r.selectOn}; best epoch ${r.bestEpoch} of ${r.epochsRun}` +
    `${r.stoppedEarly ? ' (stopped early)' : ''}; ${r.seconds.total.toFixed(1)} s (train ${r.seconds.train.toFixed(1)}, eval ${r.seconds.eval.toFixed(1)})`, '');
  const keys = Object.keys(r.test).filter((k) => !isBeyondAccuracyMetric(k));
  const beyondKeys = Object.keys(r.test).filter(isBeyondAccuracyMetric);
  lines.push('## Metrics at the best epoch', '');
  const rows: string[][] = [];
  if (r.selectOn === 'valid') rows.push(['valid', ...keys.map((k) => fmt(r.best[k]))]);
  rows.push(['test', ...keys.map((k) => fmt(r.test[k]))]);
  const rnd = keys.map((k) => (k in r.randomRecall ? fmt(r.randomRecall[k]) : ''));
  if (rnd.some((x) => x)) rows.push(['random ranking', ...rnd]);
  lines.push(table(['split', ...keys], rows, true), '');
  if (beyondKeys.length > 0) {
    // Beyond accuracy (RecBole's definitions, evaluation/beyond.ts), one row per metric, one column per K.
    const ks = [...new Set(beyondKeys.map((k) => Number(k.split('@')[1])))];
    const names = [...new Set(beyondKeys.map((k) => k.split('@')[0]))];
    lines.push('## Beyond accuracy (test, best epoch)', '');
    lines.push(table(['metric', ...ks.map((k) => `@${k}`)], names.map((m) => [m, ...ks.map((k) => fmt(r.test[`${m}@${k}`]))]), true), '');
    lines.push('itemcoverage and giniindex are over all users\' lists (set-level); averagepopularity (training interactions), ' +
      'tailpercentage (the 10% least popular training items) and novelty (−log2(φ/|U|)) are means over users.', '');
  }
  const last = r.epochs[r.epochs.length - 1];
  if (last) {
    const d = last.diagnostics;
    lines.push('## Sampler diagnostics (last epoch)', '');
    lines.push(`- mean score gap s⁺−s⁻: ${fmt(d.scoreGap)}`);
    lines.push(`- negatives that are test positives: ${fmt(d.falseNegativeRate * 100, 3)}%`);
    lines.push(`- mean popularity of negatives: ${fmt(d.negPopularity, 1)} (percentile ${fmt(d.negPopularityPercentile, 3)})`);
    lines.push(`- share of step time spent sampling: ${fmt(d.sampleTimeShare * 100, 1)}%`, '');
  }
  return lines.join('\n') + '\n';
}
