// A chart of any CSV (`hardneg report --csv FILE`): the study scripts' figures in docs/results/ are drawn from the
// CSVs they write, by the same Vega-Lite path as the run reports, instead of each script writing its own SVG.
// Wide tables (one column per series) fold into long form; long tables name their series column.
import { read } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { readRegularText } from '../io/files.js';
import type { Row } from './charts.js';

export interface CsvChartOptions {
  x: string;
  /** One column, or several ('*': every column but x, color and facet): several are folded into a `series` column (the colour, or the facet when `color` is given). */
  y: string[];
  color?: string;
  facet?: string;
  mark?: 'line' | 'point';
  title?: string;
  /** Keep only rows whose column equals the value (as text), e.g. `field=H`. */
  where?: Array<[string, string]>;
  width?: number;
  height?: number;
}

/** The CSV's rows (Vega's d3-dsv reader; numbers parsed), with every named column checked against the header. */
export function readCsvRows(path: string, opts: CsvChartOptions): Row[] {
  const text = readRegularText(path, { what: 'CSV', maxBytes: 64 * 2 ** 20 });
  const rows = read(text, { type: 'csv', parse: 'auto' }) as Array<Record<string, string | number | null>>;
  if (rows.length === 0) throw new Error(`${path}: no data rows`);
  const header = new Set(Object.keys(rows[0]));
  for (const [flag, cols] of [['--x', [opts.x]], ['--y', opts.y], ['--color', opts.color ? [opts.color] : []], ['--facet', opts.facet ? [opts.facet] : []],
    ['--where', (opts.where ?? []).map(([c]) => c)]] as const) {
    for (const c of cols) if (!header.has(c)) throw new Error(`${path}: ${flag}: no column '${c}' (columns: ${[...header].join(', ')})`);
  }
  return rows.filter((r) => (opts.where ?? []).every(([c, v]) => String(r[c]) === v)) as Row[];
}

/** Long-form rows and the Vega-Lite spec of the chart. */
export function csvChart(path: string, options: CsvChartOptions): { rows: Row[]; spec: TopLevelSpec } {
  let opts = options;
  if (opts.y.length === 1 && opts.y[0] === '*') {
    const all = readCsvRows(path, { ...opts, y: [] });
    opts = { ...opts, y: Object.keys(all[0]).filter((c) => c !== opts.x && c !== opts.color && c !== opts.facet) };
  }
  const src = readCsvRows(path, opts);
  const folded = opts.y.length > 1;
  const rows: Row[] = [];
  for (const r of src) {
    for (const y of opts.y) {
      const v = r[y];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const row: Row = { [opts.x]: r[opts.x], value: v };
      if (folded) row.series = y;
      if (opts.color) row[opts.color] = String(r[opts.color]);
      if (opts.facet) row[opts.facet] = String(r[opts.facet]);
      rows.push(row);
    }
  }
  const colorField = opts.color ?? (folded ? 'series' : undefined);
  const facetField = opts.facet ?? (folded && opts.color ? 'series' : undefined);
  const mark = opts.mark ?? 'line';
  const inner = {
    width: opts.width ?? 380, height: opts.height ?? 220,
    mark: mark === 'line' ? { type: 'line', point: rows.length <= 300, strokeWidth: 1.6 } : { type: 'point', filled: true, size: 22, opacity: 0.7 },
    encoding: {
      x: { field: opts.x, type: 'quantitative', title: opts.x, scale: { zero: false } },
      y: { field: 'value', type: 'quantitative', title: folded ? 'value' : opts.y[0], scale: { zero: false } },
      ...(colorField ? { color: { field: colorField, type: 'nominal', title: colorField, legend: { labelLimit: 320 } } } : {}),
    },
  };
  const spec = (facetField
    ? { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: opts.title ?? '', data: { values: rows }, facet: { column: { field: facetField, type: 'nominal', title: facetField } }, spec: inner, resolve: { scale: { y: 'independent', ...(mark === 'point' ? { x: 'independent' } : {}) } } }
    : { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: opts.title ?? '', data: { values: rows }, ...inner }) as TopLevelSpec;
  return { rows, spec };
}
