// `hardneg report DIR`: the runs under DIR (a run, a sweep, a reproduce output, any folder of runs) as one
// self-contained HTML report with charts, a Markdown twin, LaTeX tables and the charts' data as CSV (report/).
import { existsSync, statSync } from 'node:fs';
import { writeReport } from '../report/index.js';
import { UsageError, commandFlags, writeOut } from './common.js';
import { hardnegVersion } from '../io/version.js';
import { findRuns } from '../report/collect.js';

const USAGE = `usage: hardneg report DIR [options]

Writes a report of every finished run under DIR (a run folder, a sweep, a reproduce output or any folder of runs,
searched four levels deep): the test metrics at the best validation epoch per config (mean ± std over seeds,
paired t-tests over users with Holm–Bonferroni), validation and test curves, loss terms, sampler diagnostics
(hardness, false-negative rate, negative popularity, entropy where recorded) and a sensitivity line for every
numeric config key that differs between runs. The HTML file is self-contained (inline SVG charts, no script, no
network); beside it the same tables in Markdown (NAME.md) and LaTeX booktabs (NAME.tex), and every chart's data
as CSV (NAME-data/).

  -o, --out FILE        the HTML file (default DIR/report/report.html)
  --title TEXT          the report's title (default: "hardneg report: " and DIR's name)
  -q, --quiet           print nothing but errors
  -h, --help`;

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  title: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('report', USAGE, argv, OPTIONS, ({ positionals, values }) => {
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
  const r = await writeReport(positionals[0], {
    ...(values.out !== undefined ? { out: String(values.out) } : {}),
    ...(values.title !== undefined ? { title: String(values.title) } : {}),
    version: hardnegVersion(),
    log: quiet ? undefined : (l) => process.stderr.write(`${l}\n`),
  });
  if (!quiet) writeOut([r.html, r.markdown, r.latex, `${r.csv.length} CSV file(s) beside them`].join('\n'));
  return 0;
}
