// Every table and figure of the five papers, and whether each can run here: its arms resolve against the registries
// (a method not built yet is named), and its data is held under a data root. Status is computed, never stored, so a
// newly registered sampler turns its arms runnable without touching the catalogue.
import { ConfigError, deepMerge } from '../experiments/config.js';
import { checkMethodOptions } from '../experiments/assemble.js';
import { resolveConfig } from '../experiments/presets.js';
import { resolveNamed } from '../data/registry.js';
import { CDNS_ITEMS } from './papers/cdns.js';
import { DINS_ITEMS } from './papers/dins.js';
import { GDNS_ITEMS } from './papers/gdns.js';
import { PDNS_ITEMS } from './papers/pdns.js';
import { RECNS_ITEMS } from './papers/recns.js';
import { type Arm, type Budget, type BudgetName, PAPER_IDS, type PaperId, type ReproItem } from './types.js';

export const CATALOGUE: readonly ReproItem[] = [...DINS_ITEMS, ...PDNS_ITEMS, ...RECNS_ITEMS, ...CDNS_ITEMS, ...GDNS_ITEMS];

export class ReproduceUsageError extends Error {
  override name = 'UsageError';
}

export function paperItems(paper: string): ReproItem[] {
  if (!(PAPER_IDS as readonly string[]).includes(paper)) {
    throw new ReproduceUsageError(`unknown paper '${paper}' (known: ${PAPER_IDS.join(', ')})`);
  }
  return CATALOGUE.filter((i) => i.paper === (paper as PaperId));
}

export function findItem(paper: string, id: string): ReproItem {
  const items = paperItems(paper);
  const item = items.find((i) => i.id === id.toLowerCase());
  if (!item) throw new ReproduceUsageError(`${paper} has no item '${id}' (items: ${items.map((i) => i.id).join(', ')})`);
  return item;
}

/** The dataset name of a spec (a short name or an object with a name), or null for a path/format spec. */
export function datasetName(spec: Budget['dataset'] | null): string | null {
  if (spec === null) return null;
  if (typeof spec === 'string') return spec;
  return typeof spec.name === 'string' ? spec.name : null;
}

/** Whether a data root holds the dataset (the built-in synthetic one always is). */
export function datasetHeld(spec: Budget['dataset'], dataDir?: string): boolean {
  const name = datasetName(spec);
  if (name === null) return true;
  const r = resolveNamed(name, dataDir);
  return r !== null && (r.entry.format === 'synthetic' || r.path !== null);
}

/** The config overrides every run of an item at a budget gets, before the arm's own (see `reproduce`). */
export function budgetOverrides(item: ReproItem, budget: Budget, dataset?: Budget['dataset']): Record<string, unknown> {
  return {
    dataset: dataset ?? budget.dataset,
    ...budget.overrides,
    ...(item.metric ? { metric: item.metric } : {}),
    ...(item.curves ? { testCurve: true } : {}),
  };
}

/** An arm's own overrides, then the caller's (e.g. a smoke test's smaller data), which win. */
export function armOverrides(arm: Arm, extra?: Record<string, unknown>): Record<string, unknown> {
  return extra ? deepMerge(arm.overrides ?? {}, extra) as Record<string, unknown> : { ...(arm.overrides ?? {}) };
}

/** Why an arm cannot run (an unknown method or option, as the config validator words it), or null. */
export function armProblem(item: ReproItem, arm: Arm, budget: Budget, extra?: Record<string, unknown>,
  dataset?: Budget['dataset']): string | null {
  try {
    const values = arm.axis ? arm.axis.values : [undefined];
    for (const v of values) {
      const cell: Record<string, unknown> = {};
      if (arm.axis) setDotted(cell, arm.axis.key, v);
      const c = resolveConfig(arm.preset, budgetOverrides(item, budget, dataset), armOverrides(arm, extra), cell);
      checkMethodOptions(c);
    }
    return null;
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('; ');
    return (e as Error).message;
  }
}

export function setDotted(o: Record<string, unknown>, key: string, v: unknown): void {
  const parts = key.split('.');
  let cur = o;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = v;
}

export interface ItemStatus {
  item: ReproItem;
  /** 'runnable': every arm resolves and the data is held; 'partial': some arms do; 'blocked': none can run. */
  state: 'runnable' | 'partial' | 'blocked';
  /** Arms that cannot run, with the reason. */
  missing: Array<{ group: string; arm: string; why: string }>;
  /** Per budget: whether its dataset is held. */
  data: Record<BudgetName, { dataset: string; held: boolean }>;
  note?: string;
}

export function itemStatus(item: ReproItem, budget: BudgetName = 'quick', dataDir?: string, dataset?: Budget['dataset']): ItemStatus {
  const data = {} as ItemStatus['data'];
  if (item.stats) {
    const held = item.stats.filter((s) => s.ours !== null && datasetHeld(s.ours, dataDir));
    const label = held.length ? held.map((s) => s.paper).join(', ') : 'none';
    for (const b of ['quick', 'full'] as const) data[b] = { dataset: label, held: held.length > 0 };
    return { item, state: held.length ? 'runnable' : 'blocked', missing: [], data, note: `we hold ${held.length} of ${item.stats.length} datasets` };
  }
  if (item.notRunnable || !item.budgets || !item.groups) {
    for (const b of ['quick', 'full'] as const) data[b] = { dataset: '-', held: false };
    return { item, state: 'blocked', missing: [], data, note: item.notRunnable };
  }
  for (const b of ['quick', 'full'] as const) {
    const spec = dataset ?? item.budgets[b].dataset;
    data[b] = { dataset: datasetName(spec) ?? JSON.stringify(spec), held: datasetHeld(spec, dataDir) };
  }
  const missing: ItemStatus['missing'] = [];
  let total = 0;
  for (const g of item.groups) {
    for (const a of g.arms) {
      total++;
      const why = armProblem(item, a, item.budgets[budget], undefined, dataset);
      if (why) missing.push({ group: g.id, arm: a.id, why });
    }
  }
  const state = !data[budget].held || missing.length === total ? 'blocked' : missing.length ? 'partial' : 'runnable';
  return { item, state, missing, data };
}
