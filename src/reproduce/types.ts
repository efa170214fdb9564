// A paper's table or figure as data: what the paper ran (its datasets, its numbers, its claims) and what hardneg runs
// for it on the data we hold (arms × seeds, at a quick or a full budget). `reproduce()` expands an item into one
// sweep per arm, and the report sets our numbers beside the paper's with the differences stated.
import type { GridSpec } from '../experiments/sweep.js';

export type PaperId = 'dins' | 'pdns' | 'recns' | 'cdns' | 'gdns';
export const PAPER_IDS: readonly PaperId[] = ['dins', 'pdns', 'recns', 'cdns', 'gdns'];

export type BudgetName = 'quick' | 'full';

/** One compared configuration: a preset plus overrides, optionally tuned over a grid (selected on validation). */
export interface Arm {
  /** Short id, used for the arm's folder and to match the paper's rows. */
  id: string;
  label: string;
  preset: string;
  overrides?: Record<string, unknown>;
  /** Tuning grid, swept at the full budget only (the quick budget runs the arm's defaults). */
  tune?: GridSpec;
  /** A sensitivity axis (e.g. sampler.m = 8,16,32,64): every value is a row of its own, at both budgets. */
  axis?: { key: string; values: unknown[] };
}

/** Arms compared with each other (one table block), e.g. one backbone. The first arm is the baseline. */
export interface ArmGroup {
  id: string;
  label: string;
  arms: Arm[];
}

/** What one budget runs: the data, the seeds and the overrides every arm gets (epochs, evaluation cadence, …). */
export interface Budget {
  /** A dataset spec as a config takes it (name or object). */
  dataset: string | Record<string, unknown>;
  seeds: number[];
  overrides: Record<string, unknown>;
  /** What this budget is, in a sentence (shown in --list and the report). */
  note: string;
}

/** Numbers transcribed from the paper: rows by arm id, columns by metric name (our vocabulary, e.g. recall@50). */
export interface PaperNumbers {
  /** Where in the paper (e.g. "Table 2, Gowalla columns, LightGCN block"). */
  source: string;
  /** The paper's dataset these numbers are on. */
  dataset: string;
  /** Arm group these rows belong to (default: the item's first group). */
  group?: string;
  metrics: string[];
  rows: Record<string, number[]>;
}

/** A claim of the paper that our numbers can confirm or not: arm ids in the order the paper finds, best first. */
export interface Claim {
  text: string;
  group?: string;
  metric: string;
  /** Arm ids (or `arm@value` for an axis row), best first. */
  order: string[];
}

/** Dataset statistics items (a paper's Table 1): our counts beside the paper's for the datasets we hold. */
export interface StatsRow {
  /** The paper's dataset name. */
  paper: string;
  /** Ours: a dataset spec, or null when we do not hold it. */
  ours: string | Record<string, unknown> | null;
  /** The paper's counts (null for a stand-in row of ours that the paper does not have). */
  users: number | null;
  items: number | null;
  interactions: number | null;
  /** Other columns as the paper gives them (density, false negatives, …). */
  extra?: Record<string, number | string>;
}

export interface ReproItem {
  paper: PaperId;
  /** table1, fig4, … */
  id: string;
  kind: 'table' | 'figure';
  title: string;
  /** Section / page of the paper. */
  source: string;
  /** The datasets the paper uses for this item. */
  paperData: string[];
  /** Differences between the paper's protocol and ours, stated in the report. */
  differences: string[];
  /** Arms by group; absent for stats items. */
  groups?: ArmGroup[];
  budgets?: Record<BudgetName, Budget>;
  /** The selection metric (validation) and the metrics reported. */
  metric?: string;
  metrics?: string[];
  /** Figures of curves: keep the test metric at every evaluation (reported only, never used for selection). */
  curves?: boolean;
  paperNumbers?: PaperNumbers[];
  claims?: Claim[];
  stats?: StatsRow[];
  /** Why the item cannot run here at all (e.g. it needs data we do not hold and no stand-in makes sense). */
  notRunnable?: string;
}
