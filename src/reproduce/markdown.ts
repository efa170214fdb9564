// The Markdown report of one reproduced item: our numbers (mean ± std over seeds, improvement over the group's
// baseline row, Holm-adjusted paired p) beside the paper's, the claims checked, and what differs from the paper.
import { comparisonRows } from '../experiments/compare.js';
import { table } from '../experiments/markdown.js';
import type { ReproduceResult } from './run.js';
import type { Table } from '../report/tables.js';

const f4 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(4));

function int(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US');
}

/** `a.b=v` lines of an override object, as --set takes them. */
function flatten(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => v !== null && typeof v === 'object' && !Array.isArray(v)
    ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`]);
}

export function reproduceMarkdown(r: ReproduceResult): string {
  const { item } = r;
  const out: string[] = [];
  out.push(`# ${item.paper.toUpperCase()} ${item.id}: ${item.title}`, '');
  out.push(`Paper: ${item.source}, on ${item.paperData.join(', ')}.`);
  if (item.budgets) out.push(`Budget **${r.budget}**: ${item.budgets[r.budget].note}.`);
  const sets = [...(r.dataset ? [`dataset=${JSON.stringify(r.dataset)}`] : []), ...(r.seeds ? [`seeds=${r.seeds.join(',')}`] : []), ...flatten(r.overrides ?? {})];
  if (sets.length) out.push(`With overrides on every run: ${sets.map((s) => `\`${s}\``).join(', ')} (not the catalogued budget).`);
  const flags = [...(r.dataset ? [` --dataset '${JSON.stringify(r.dataset)}'`] : []), ...(r.seeds ? [` --seeds ${r.seeds.join(',')}`] : []), ...(r.groups ? [` --groups ${r.groups.join(',')}`] : []), ...flatten(r.overrides ?? {}).map((s) => ` --set ${s}`)];
  if (r.groups) out.push(`Groups run: ${r.groups.join(', ')} (of ${item.groups?.map((g) => g.id).join(', ')}).`);
  out.push('', `Reproduce: \`hardneg reproduce ${item.paper} ${item.id} --budget ${r.budget}${flags.join('')} ` +
    `--out ${r.outDir}\` (a rerun keeps finished runs and resumes killed ones).`, '');
  // The catalogued differences name the budget's dataset: say first that this run replaced it.
  const differences = [...(r.dataset ? [`Every run used \`${JSON.stringify(r.dataset)}\` (--dataset), not the budget's ` +
    'dataset: where a line below names that dataset, read this one'] : []), ...item.differences];
  if (differences.length) {
    out.push('## Differences from the paper', '', ...differences.map((d) => `- ${d}`), '');
  }
  if (r.stats) {
    out.push('## Dataset statistics (paper / ours)', '');
    const extraKeys = [...new Set(r.stats.flatMap((s) => Object.keys(s.row.extra ?? {})))];
    const rows = r.stats.map((s) => [
      s.row.paper,
      `${int(s.row.users)} / ${s.ours ? int(s.ours.users) : 'not held'}`,
      `${int(s.row.items)} / ${s.ours ? int(s.ours.items) : '–'}`,
      `${int(s.row.interactions)} / ${s.ours ? int(s.ours.interactions) : '–'}`,
      ...extraKeys.map((k) => {
        const p = s.row.extra?.[k];
        const o = s.ours?.extra[k];
        const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? int(v) : v.toPrecision(4)) : v === undefined ? '–' : String(v));
        return `${fmt(p)} / ${s.ours ? fmt(o) : '–'}`;
      }),
    ]);
    out.push(table(['dataset', 'users', 'items', 'interactions', ...extraKeys], rows, true), '');
    return out.join('\n') + '\n';
  }
  if (r.skipped.length) {
    out.push('## Arms not run here', '', ...r.skipped.map((s) => `- ${s.group}/${s.arm}: ${s.why}`), '');
  }
  for (const t of reproduceTables(r)) {
    out.push(`## ${t.title}`, '');
    out.push(table(t.header, t.rows, true), '');
    out.push(...(t.paragraphs ?? []).flatMap((l) => [l, '']));
  }
  const curves = r.rows.filter((x) => x.curve && x.curve.length);
  if (curves.length) out.push(`Test curves (every evaluation, mean over seeds): \`curves.csv\` in ${r.outDir}.`, '');
  return out.join('\n') + '\n';
}

/**
 * The item's tables: per arm group our rows beside the paper's numbers, then the claims; the Markdown report and
 * the HTML report (`hardneg report`, written by reproduce beside report.md) both show exactly these.
 */
export function reproduceTables(r: ReproduceResult): Array<Table & { paragraphs?: string[] }> {
  const { item } = r;
  const tables: Array<Table & { paragraphs?: string[] }> = [];
  for (const c of r.comparisons) {
    const group = item.groups?.find((g) => g.id === c.group);
    const { header, rows } = comparisonRows(c.comparison);
    const papers = (item.paperNumbers ?? []).filter((p) => (p.group ?? item.groups?.[0]?.id) === c.group);
    const extraHeader = papers.flatMap((p) => p.metrics.map((m) => `paper ${m} (${p.dataset})`));
    const ours = c.rowIds.map((id) => r.rows.find((x) => x.group === c.group && x.id === id));
    const full = rows.map((row, i) => [
      ...row,
      f4(ours[i]?.select.mean),
      ...papers.flatMap((p) => p.metrics.map((_, j) => f4(p.rows[c.rowIds[i]]?.[j]))),
    ]);
    const seeds = ours.map((o) => o?.runDirs.length ?? 0);
    const paragraphs = [`Rows: test metrics at the epoch selected on validation, mean ± std over ${Math.min(...seeds)}–${Math.max(...seeds)} seed(s); ` +
      'Δ and p (paired t-test over users, Holm–Bonferroni) against the first row.'];
    for (const w of c.comparison.warnings) paragraphs.push(`> warning: ${w}`);
    const failed = ours.flatMap((o) => (o?.failed ?? []).map((f) => `${o?.id} ${f}`));
    if (failed.length) paragraphs.push(['Failed runs:', '', ...failed.map((f) => `- ${f}`)].join('\n'));
    if (papers.length) paragraphs.push(`Paper numbers: ${papers.map((p) => p.source).join('; ')}.`);
    tables.push({ id: `paper-${c.group}`, title: group?.label ?? c.group, header: [...header, `valid ${item.metric ?? ''}`.trim(), ...extraHeader], rows: full, paragraphs });
  }
  if (r.claims.length) {
    tables.push({ id: 'claims', title: 'The paper\'s claims on our data', header: ['claim', 'verdict', 'our numbers'], rows: r.claims.map((c) => [c.claim.text, c.verdict, c.detail]) });
  }
  return tables;
}
