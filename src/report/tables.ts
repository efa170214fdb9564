// The report's tables as plain cells (header + rows of strings), shared by the HTML, Markdown and LaTeX writers so
// they carry the same numbers, and the writers for Markdown, LaTeX (booktabs) and CSV.
import { comparisonRows } from '../experiments/compare.js';
import type { ReportData } from './collect.js';
import type { Row } from './charts.js';
import { fmt, table } from '../experiments/markdown.js';

export interface Table {
  id: string;
  title: string;
  header: string[];
  rows: string[][];
  note?: string;
  /** Further paragraphs under the table (Markdown text). */
  paragraphs?: string[];
}

export function reportTables(data: ReportData): Table[] {
  const c = comparisonRows(data.comparison);
  const m = data.selectMetric;
  const tables: Table[] = [{
    id: 'comparison', title: 'Test metrics at the best validation epoch (mean ± std over seeds)', header: c.header, rows: c.rows,
    note: 'Δ: relative improvement over the first row; p: paired t-test over users (two-sided) on the per-user test metrics, ' +
      'Holm–Bonferroni adjusted per metric; * p < 0.05.' + (data.comparison.warnings.length ? ` Warnings: ${data.comparison.warnings.join('; ')}` : ''),
  }];
  tables.push({
    id: 'runs', title: 'Runs',
    header: ['run folder', 'config', 'seed', 'best epoch', 'epochs', 'train s', 'eval s', `valid ${m}`, `test ${m}`],
    rows: data.runs.map((r) => {
      const s = r.run.summary;
      return [r.name, r.group.replace(/ \(\d+ seeds?\)$/, ''), String(r.run.config.seed), String(s.bestEpoch), String(s.epochsRun),
        s.seconds.train.toFixed(1), s.seconds.eval.toFixed(1), fmt(s.best[m]), fmt(s.test[m])];
    }),
  });
  const ds = new Map(data.runs.map((r) => [r.run.dataset.fingerprint, r.run.dataset]));
  tables.push({
    id: 'datasets', title: 'Datasets', header: ['dataset', 'users', 'items', 'fingerprint'],
    rows: [...ds.values()].map((d) => [d.name, String(d.numUsers), String(d.numItems), d.fingerprint]),
  });
  if (data.swept.length) {
    tables.push({ id: 'swept', title: 'Config keys that differ between runs', header: ['key', 'values'], rows: data.swept.map((s) => [s.key, s.values.map((v) => JSON.stringify(v)).join(', ')]) });
  }
  return tables;
}

/** The table as Markdown: the shared pipe-table writer, with '|' in cells escaped. */
export function tableMarkdown(t: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return table(t.header.map(esc), t.rows.map((r) => r.map(esc)), true);
}

const TEX: Record<string, string> = { '\\': '\\textbackslash{}', '&': '\\&', '%': '\\%', $: '\\$', '#': '\\#', _: '\\_', '{': '\\{', '}': '\\}', '~': '\\textasciitilde{}', '^': '\\textasciicircum{}' };
export const texEscape = (s: string): string => s.replace(/[\\&%$#_{}~^]/g, (ch) => TEX[ch]).replace(/±/g, '$\\pm$').replace(/Δ/g, '$\\Delta$');

/** A booktabs table (needs \usepackage{booktabs}); first column left, the rest right aligned. */
export function tableLatex(t: Table): string {
  return [
    '\\begin{table}[t]', '  \\centering', `  \\caption{${texEscape(t.title)}}`, `  \\label{tab:${t.id}}`,
    `  \\begin{tabular}{l${'r'.repeat(Math.max(0, t.header.length - 1))}}`, '    \\toprule',
    `    ${t.header.map(texEscape).join(' & ')} \\\\`, '    \\midrule',
    ...t.rows.map((r) => `    ${r.map(texEscape).join(' & ')} \\\\`), '    \\bottomrule', '  \\end{tabular}', '\\end{table}',
  ].join('\n');
}

const csvCell = (v: string | number): string => {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV of a chart's rows (columns in first-seen order). */
export function rowsCsv(rows: Row[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [cols.map(csvCell).join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c] ?? '')).join(','))].join('\n') + '\n';
}
