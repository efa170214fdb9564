// `hardneg report DIR`: the runs under DIR (a run, a sweep, a reproduce output, any folder of runs) as one
// self-contained HTML report with charts, a Markdown twin, LaTeX tables and the charts' data as CSV (report/).
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { csvChart } from '../report/csvChart.js';
import { renderSvg } from '../report/render.js';
import { writeReport } from '../report/index.js';
import { UsageError, commandFlags, writeOut } from './common.js';
import { hardnegVersion } from '../io/version.js';
import { findRuns } from '../report/collect.js';

const USAGE = `usage: hardneg report DIR [options]
       hardneg report --csv FILE --x COL --y COL[,COL...] [--color COL] [--facet COL] [--mark line|point] --out FILE.svg

Writes a report of every finished run under DIR (a run folder, a sweep, a reproduce output or any folder of runs,
searched four levels deep): the test metrics at the best validation epoch per config (mean ± std over seeds,
paired t-tests over users with Holm–Bonferroni), validation and test curves, loss terms, sampler diagnostics
(hardness, false-negative rate, negative popularity, entropy where recorded) and a sensitivity line for every
numeric config key that differs between runs. The HTML file is self-contained (inline SVG charts, no script, no
network); beside it the same tables in Markdown (NAME.md) and LaTeX booktabs (NAME.tex), and every chart's data
as CSV (NAME-data/).

  -o, --out FILE        the HTML file (default DIR/report/report.html); with --csv the SVG file
  --csv FILE            chart one CSV instead (how the study scripts under experiments/ draw their figures):
    --x COL, --y COL[,COL...]   the axes; several --y columns fold into a series (the colour, or with --color
                                the facet); --color COL and --facet COL name series and panel columns;
    --mark line|point, --where COL=VALUE (repeatable: keep matching rows)
  --title TEXT          the report's title (default: "hardneg report: " and DIR's name)
  -q, --quiet           print nothing but errors
  -h, --help`;

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  csv: { type: 'string' },
  x: { type: 'string' },
  y: { type: 'string' },
  color: { type: 'string' },
  facet: { type: 'string' },
  mark: { type: 'string' },
  where: { type: 'string', multiple: true },
  title: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('report', USAGE, argv, OPTIONS, ({ positionals, values }) => {
    if (values.csv !== undefined) {
      if (positionals.length) throw new UsageError(`--csv takes no DIR, got ${positionals.join(' ')}`);
      for (const k of ['x', 'y', 'out'] as const) if (values[k] === undefined) throw new UsageError(`--csv needs --${k}`);
      if (!/\.svg$/i.test(String(values.out))) throw new UsageError(`--out: with --csv, expected a file name ending in .svg, got '${String(values.out)}'`);
      if (values.mark !== undefined && values.mark !== 'line' && values.mark !== 'point') throw new UsageError(`--mark: expected line or point, got '${String(values.mark)}'`);
      for (const w of (values.where as string[] | undefined) ?? []) if (!/^[^=]+=/.test(w)) throw new UsageError(`--where: expected COL=VALUE, got '${w}'`);
      return;
    }
    for (const k of ['x', 'y', 'color', 'facet', 'mark', 'where'] as const) if (values[k] !== undefined) throw new UsageError(`--${k} is for --csv charts`);
    if (positionals.length !== 1) throw new UsageError(`expected one DIR, got ${positionals.length}`);
    const d = positionals[0];
    if (!existsSync(d)) throw new UsageError(`'${d}' does not exist`);
    if (!statSync(d).isDirectory()) throw new UsageError(`'${d}' is not a folder`);
    try {
      findRuns(d);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (values.out !== undefined && !/\.html?$/i.test(String(values.out))) throw new UsageError(`--out: expected a file name ending in .html, got '${String(values.out)}'`);
  });
  if (typeof f === 'number') return f;
  const { values, positionals } = f;
  const quiet = Boolean(values.quiet);
  if (values.csv !== undefined) {
    const csv = String(values.csv);
    let chart;
    try {
      chart = csvChart(csv, {
        x: String(values.x), y: String(values.y).split(',').map((s) => s.trim()),
        ...(values.color !== undefined ? { color: String(values.color) } : {}), ...(values.facet !== undefined ? { facet: String(values.facet) } : {}),
        ...(values.mark !== undefined ? { mark: values.mark as 'line' | 'point' } : {}), ...(values.title !== undefined ? { title: String(values.title) } : {}),
        where: ((values.where as string[] | undefined) ?? []).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] as [string, string]),
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    writeFileSync(String(values.out), await renderSvg(chart.spec));
    if (!quiet) writeOut(`${String(values.out)} (${chart.rows.length} points from ${csv})`);
    return 0;
  }
  const r = await writeReport(positionals[0], {
    ...(values.out !== undefined ? { out: String(values.out) } : {}),
    ...(values.title !== undefined ? { title: String(values.title) } : {}),
    version: hardnegVersion(),
    log: quiet ? undefined : (l) => process.stderr.write(`${l}\n`),
  });
  if (!quiet) writeOut([r.html, r.markdown, r.latex, `${r.csv.length} CSV file(s) beside them`].join('\n'));
  return 0;
}
