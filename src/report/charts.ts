// The report's charts as data: each a flat table of rows (what the CSV beside the report holds) and a Vega-Lite
// spec over those rows. Rendering (render.ts) and markup (html.ts) are elsewhere, so a chart's CSV and its SVG
// can never disagree.
import type { TopLevelSpec } from 'vega-lite';
import { meanStd } from '../experiments/compare.js';
import type { ReportData, ReportRun } from './collect.js';

export type Row = Record<string, string | number>;

export interface Chart {
  /** File-safe id: the CSV is `<id>.csv`. */
  id: string;
  title: string;
  /** One sentence on what is plotted, under the chart and in the Markdown twin. */
  caption: string;
  rows: Row[];
  spec: TopLevelSpec;
}

const WIDTH = 380;
const HEIGHT = 190;

/** A run's config row label without the seed count (the curves' colour: a config's seeds share it). */
export function configLabel(r: ReportRun): string {
  return r.group.replace(/ \(\d+ seeds?\)$/, '');
}

/** A run's curve label: its config, then its seed (one line each). */
export function curveLabel(r: ReportRun): string {
  return `${configLabel(r)} s${r.run.config.seed}`;
}

function lineSpec(title: string, y: string, rows: Row[], opts: { x?: string; logY?: boolean } = {}): TopLevelSpec {
  const x = opts.x ?? 'epoch';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title, width: WIDTH, height: HEIGHT,
    data: { values: rows },
    mark: { type: 'line', point: rows.length <= 200, strokeWidth: 1.6 },
    encoding: {
      x: { field: x, type: 'quantitative', title: x },
      y: { field: 'value', type: 'quantitative', title: y, scale: { zero: false, ...(opts.logY ? { type: 'symlog' } : {}) } },
      color: { field: 'config', type: 'nominal', title: 'config', legend: { labelLimit: 360, orient: 'bottom', columns: 1 } },
      detail: { field: 'run', type: 'nominal' },
    },
  } as TopLevelSpec;
}

const id = (s: string): string => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();

/** Validation (and recorded test) curves of one metric, loss terms, and every recorded sampler diagnostic. */
export function charts(data: ReportData): Chart[] {
  const out: Chart[] = [];
  const m = data.selectMetric;
  for (const split of ['valid', 'test'] as const) {
    const rows: Row[] = [];
    for (const r of data.runs) {
      for (const e of r.evals) if (e.split === split && Number.isFinite(e.metrics[m])) rows.push({ config: configLabel(r), run: curveLabel(r), epoch: e.epoch, value: e.metrics[m] });
    }
    if (rows.length === 0) continue;
    const caption = split === 'valid'
      ? `${m} on the validation split at every evaluation, one line per run.`
      : `${m} on the test split where the run evaluated it (at each validation improvement, or every evaluation with testCurve); reported only, never used to select.`;
    out.push({ id: `${split}-${id(m)}`, title: `${split === 'valid' ? 'Validation' : 'Test'} ${m}`, caption, rows, spec: lineSpec(`${split === 'valid' ? 'Validation' : 'Test'} ${m}`, m, rows) });
  }
  const termNames = [...new Set(data.runs.flatMap((r) => r.epochs.flatMap((e) => Object.keys(e.terms))))];
  for (const t of termNames) {
    const rows: Row[] = [];
    for (const r of data.runs) for (const e of r.epochs) if (Number.isFinite(e.terms[t])) rows.push({ config: configLabel(r), run: curveLabel(r), epoch: e.epoch, value: e.terms[t] });
    out.push({ id: `loss-${id(t)}`, title: `Loss term: ${t}`, caption: `The epoch mean of the loss term '${t}', one line per run.`, rows, spec: lineSpec(`Loss term: ${t}`, t, rows) });
  }
  const DIAG: Array<[string, string, string]> = [
    ['scoreGap', 'Hardness: mean score gap s⁺ − s⁻', 'The mean score gap between positives and their negatives per epoch (smaller is harder).'],
    ['falseNegativeRate', 'False-negative rate', 'The share of drawn negatives that are test positives of their user, per epoch.'],
    ['negPopularity', 'Negative popularity', 'The mean training popularity of the drawn negatives, per epoch.'],
  ];
  for (const [key, title, caption] of DIAG) {
    const rows: Row[] = [];
    for (const r of data.runs) for (const e of r.epochs) if (Number.isFinite(e.diagnostics[key])) rows.push({ config: configLabel(r), run: curveLabel(r), epoch: e.epoch, value: e.diagnostics[key] });
    if (rows.length) out.push({ id: `diag-${id(key)}`, title, caption, rows, spec: lineSpec(title, key, rows) });
  }
  const ent: Row[] = [];
  for (const r of data.runs) for (const e of r.evals) if (e.split === 'valid' && e.entropy !== undefined && Number.isFinite(e.entropy)) ent.push({ config: configLabel(r), run: curveLabel(r), epoch: e.epoch, value: e.entropy });
  if (ent.length) out.push({ id: 'diag-entropy', title: 'Embedding entropy', caption: 'The entropy of the user–item score distribution (contrastive DNS eq. 6) at every evaluation.', rows: ent, spec: lineSpec('Embedding entropy', 'entropy', ent) });
  out.push(...sensitivity(data));
  return out;
}

/**
 * One line per numeric swept key: the test selection metric (mean ± std over seeds) against the key's value,
 * one series per combination of the other swept keys.
 */
function sensitivity(data: ReportData): Chart[] {
  const out: Chart[] = [];
  const m = data.selectMetric;
  for (const axis of data.swept.filter((s) => s.numeric && s.values.length >= 2)) {
    const others = data.swept.filter((s) => s.key !== axis.key).map((s) => s.key);
    const cells = new Map<string, { series: string; x: number; ys: number[] }>();
    for (const r of data.runs) {
      const flat = r.run.config as unknown as Record<string, unknown>;
      const get = (k: string): unknown => k.split('.').reduce<unknown>((o, p) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[p] : undefined), flat);
      const x = get(axis.key);
      if (typeof x !== 'number') continue;
      const series = others.map((k) => `${k}=${JSON.stringify(get(k) ?? null)}`).join(', ') || 'all runs';
      const key = `${series}\u0000${x}`;
      const c = cells.get(key) ?? { series, x, ys: [] };
      c.ys.push(r.run.summary.test[m] ?? NaN);
      cells.set(key, c);
    }
    const rows: Row[] = [...cells.values()].map((c) => {
      const s = meanStd(c.ys);
      return { series: c.series, [axis.key]: c.x, mean: s.mean, std: Number.isFinite(s.std) ? s.std : 0, seeds: c.ys.length };
    }).sort((a, b) => String(a.series).localeCompare(String(b.series)) || (a[axis.key] as number) - (b[axis.key] as number));
    if (rows.length < 2) continue;
    const title = `Sensitivity: test ${m} against ${axis.key}`;
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title, width: WIDTH, height: HEIGHT,
      data: { values: rows.map((r) => ({ ...r, lo: (r.mean as number) - (r.std as number), hi: (r.mean as number) + (r.std as number), x: r[axis.key] })) },
      encoding: { x: { field: 'x', type: 'quantitative', title: axis.key }, color: { field: 'series', type: 'nominal', title: 'other keys', legend: { labelLimit: 360 } } },
      layer: [
        { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative', title: `test ${m}`, scale: { zero: false } } } },
        { mark: { type: 'errorbar' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      ],
    } as TopLevelSpec;
    out.push({ id: `sensitivity-${id(axis.key)}`, title, caption: `Test ${m} at the best validation epoch, mean ± std over seeds, against ${axis.key}.`, rows, spec });
  }
  return out;
}
