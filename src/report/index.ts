// `hardneg report`: the runs under a folder → one self-contained HTML file, its Markdown twin, the tables in LaTeX
// (booktabs) and every chart's data as CSV, all from the same collected numbers (collect.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { charts as buildCharts } from './charts.js';
import { collectReport, type ReportData } from './collect.js';
import { reportHtml } from './html.js';
import { renderSvg } from './render.js';
import { reportTables, rowsCsv, tableLatex, tableMarkdown, type Table } from './tables.js';

export { collectReport, findRuns, readCurves, sweptKeys, type ReportData, type ReportRun } from './collect.js';
export { charts, type Chart } from './charts.js';

export interface ReportFiles {
  html: string;
  markdown: string;
  latex: string;
  csv: string[];
  data: ReportData;
}

/**
 * Writes the report of the runs under `root` to `out` (default `<root>/report/report.html`); beside it
 * `<name>.md`, `<name>.tex` and `<name>-data/<chart>.csv`.
 */
export async function writeReport(root: string, opts: {
  out?: string; title?: string; version?: string; log?: (line: string) => void;
  /** Tables shown before the report's own (reproduce: our rows beside the paper's numbers, the claims). */
  preface?: Table[];
} = {}): Promise<ReportFiles> {
  const out = resolve(opts.out ?? join(root, 'report', 'report.html'));
  const base = out.replace(/\.html?$/i, '');
  const dir = dirname(out);
  const dataDir = `${base}-data`;
  const data = collectReport(root);
  const tables = [...(opts.preface ?? []), ...reportTables(data)];
  const list = buildCharts(data);
  const log = opts.log ?? (() => {});
  log(`report: ${data.runs.length} run(s), ${data.comparison.rows.length} config(s), ${list.length} chart(s)`);
  const rendered = [];
  for (const c of list) rendered.push({ ...c, svg: await renderSvg(c.spec), csv: relative(dir, join(dataDir, `${c.id}.csv`)) });
  const title = opts.title ?? `hardneg report: ${basename(resolve(root))}`;
  mkdirSync(dataDir, { recursive: true });
  const csv = rendered.map((c) => {
    const p = join(dataDir, `${c.id}.csv`);
    writeFileSync(p, rowsCsv(c.rows));
    return p;
  });
  writeFileSync(out, reportHtml(data, tables, rendered, { title, version: opts.version ?? '', lead: opts.preface?.length ?? 0 }));
  const md = [`# ${title}`, '', `${data.runs.length} run(s); selection on validation ${data.selectMetric}. The HTML report (${basename(out)}) shows the same numbers with charts.`, ''];
  for (const t of tables) md.push(`## ${t.title}`, '', tableMarkdown(t), '', ...(t.note ? [t.note, ''] : []), ...(t.paragraphs ?? []).flatMap((l) => [l, '']));
  md.push('## Charts', '', ...rendered.map((c) => `- **${c.title}**: ${c.caption} Data: \`${c.csv}\``), '');
  writeFileSync(`${base}.md`, md.join('\n'));
  writeFileSync(`${base}.tex`, `% hardneg report tables (\\usepackage{booktabs})\n${tables.map(tableLatex).join('\n\n')}\n`);
  return { html: out, markdown: `${base}.md`, latex: `${base}.tex`, csv, data };
}
