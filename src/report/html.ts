// The self-contained HTML report: inline CSS and inline SVG charts, no script and no external resource, so it opens
// anywhere without a network (and a browser shows it exactly as rendered at report time).
import type { ReportData } from './collect.js';
import type { Chart } from './charts.js';
import type { Table } from './tables.js';

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2228;max-width:1180px;margin:24px auto;padding:0 20px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde1e6;padding-bottom:4px}
.meta{color:#5a6470}table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{padding:4px 9px;border-bottom:1px solid #e6e9ed;text-align:right;white-space:nowrap}th{background:#f4f6f8}
td:first-child,th:first-child{text-align:left;white-space:normal;max-width:420px}
.charts{display:flex;flex-wrap:wrap;gap:18px}figure{margin:0;border:1px solid #e6e9ed;border-radius:6px;padding:10px;background:#fff}
figcaption{color:#5a6470;font-size:12.5px;max-width:470px;margin-top:4px}pre{background:#f4f6f8;padding:10px;overflow:auto;font-size:12px}
.scroll{overflow-x:auto}.note{color:#5a6470;font-size:12.5px;max-width:900px}`;

function tableHtml(t: Table): string {
  const head = `<tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h2 id="${t.id}">${esc(t.title)}</h2>\n<div class="scroll"><table data-table="${t.id}"><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>` +
    (t.note ? `\n<p class="note">${esc(t.note)}</p>` : '') + (t.paragraphs ?? []).map((p) => `\n<p class="note">${esc(p)}</p>`).join('');
}

export function reportHtml(data: ReportData, tables: Table[], charts: Array<Chart & { svg: string; csv: string }>, opts: { title: string; version: string; lead?: number }): string {
  // The lead tables (a reproduce item's paper comparison) and the run comparison come before the charts.
  const first = tables.slice(0, (opts.lead ?? 0) + 1);
  const rest = tables.slice((opts.lead ?? 0) + 1);
  const groups = new Map(data.runs.map((r) => [r.group, r.run.config]));
  const configs = [...groups].map(([g, c]) => `<details><summary>${esc(g)}</summary><pre>${esc(JSON.stringify(c, null, 2))}</pre></details>`).join('\n');
  const figs = charts.map((c) => `<figure data-chart="${c.id}">${c.svg}<figcaption>${esc(c.caption)} Data: <code>${esc(c.csv)}</code></figcaption></figure>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(opts.title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(opts.title)}</h1>
<p class="meta">${data.runs.length} run${data.runs.length === 1 ? '' : 's'} in ${data.comparison.rows.length} config${data.comparison.rows.length === 1 ? '' : 's'}; ` +
  `selection on validation ${esc(data.selectMetric)}; written by <code>hardneg report</code> ${esc(opts.version)}${data.fingerprints.length > 1 ? `; <strong>${data.fingerprints.length} dataset fingerprints</strong> (other data, or a validation carve seeded by the run seed)` : ''}</p>
${first.map(tableHtml).join('\n')}
<h2 id="charts">Charts</h2>
<div class="charts">
${figs}
</div>
${rest.map(tableHtml).join('\n')}
<h2 id="configs">Configs</h2>
${configs}
</body></html>
`;
}
