// The catalogue of paper items: every table and figure named once, every paper number and claim pointing at a row the
// item really produces, and every arm that cannot run here failing only because its method is not built (never a
// typo in the catalogue, which would make an item silently unrunnable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUE, armProblem, findItem, itemStatus, paperItems } from '../../src/reproduce/catalogue.js';
import { PAPER_IDS, type ReproItem } from '../../src/reproduce/types.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/child.js';

/** The row ids an item's group produces: arm ids, or arm@value for every value of a sensitivity axis. */
function rowIds(item: ReproItem, group: string): Set<string> {
  const g = item.groups?.find((x) => x.id === group);
  assert.ok(g, `${item.paper} ${item.id}: no group '${group}'`);
  return new Set(g.arms.flatMap((a) => (a.axis ? a.axis.values.map((v) => `${a.id}@${typeof v === 'string' ? v : JSON.stringify(v)}`) : [a.id])));
}

test('every paper has its tables and figures, each id once', () => {
  for (const p of PAPER_IDS) {
    const items = paperItems(p);
    assert.ok(items.length >= 5, `${p}: only ${items.length} items`);
    assert.equal(new Set(items.map((i) => i.id)).size, items.length, `${p}: duplicate item ids`);
    assert.ok(items.some((i) => i.stats), `${p}: no dataset-statistics item`);
  }
  assert.equal(findItem('pdns', 'FIG4').id, 'fig4');
  assert.throws(() => findItem('pdns', 'fig99'), /pdns has no item 'fig99'.*fig4/);
  assert.throws(() => paperItems('bert4rec'), /unknown paper 'bert4rec'/);
});

test('paper numbers and claims name rows the item produces, with one value per metric', () => {
  for (const item of CATALOGUE) {
    for (const g of item.groups ?? []) {
      assert.equal(new Set(g.arms.map((a) => a.id)).size, g.arms.length, `${item.paper} ${item.id}/${g.id}: duplicate arm ids`);
    }
    for (const p of item.paperNumbers ?? []) {
      const ids = rowIds(item, p.group ?? item.groups![0].id);
      for (const [row, values] of Object.entries(p.rows)) {
        assert.ok(ids.has(row), `${item.paper} ${item.id}: paper row '${row}' is no row of group ${p.group}`);
        assert.equal(values.length, p.metrics.length, `${item.paper} ${item.id} ${row}: ${values.length} values for ${p.metrics.length} metrics`);
        for (const v of values) assert.ok(Number.isFinite(v) && v >= 0 && v <= 1, `${item.paper} ${item.id} ${row}: ${v} is not a fraction`);
      }
      for (const m of p.metrics) assert.ok(item.metrics?.includes(m), `${item.paper} ${item.id}: paper metric ${m} is not reported`);
    }
    for (const c of item.claims ?? []) {
      const ids = rowIds(item, c.group ?? item.groups![0].id);
      for (const row of c.order) assert.ok(ids.has(row), `${item.paper} ${item.id}: claim row '${row}' is no row`);
      assert.ok(item.metrics?.includes(c.metric), `${item.paper} ${item.id}: claim metric ${c.metric} is not reported`);
    }
    if (item.groups) assert.ok(item.budgets && item.metric && item.metrics, `${item.paper} ${item.id}: arms without budgets/metrics`);
  }
});

test('an arm that cannot run names a method or option the registries lack, never another problem', () => {
  const pending = new Set<string>();
  for (const item of CATALOGUE) {
    if (!item.groups || !item.budgets) continue;
    for (const b of ['quick', 'full'] as const) {
      for (const g of item.groups) {
        for (const a of g.arms) {
          const why = armProblem(item, a, item.budgets[b]);
          if (why === null) continue;
          const m = /unknown (?:sampler|encoder|loss) ["']([^"']+)["']|^([\w.]+): unknown key/.exec(why);
          assert.ok(m, `${item.paper} ${item.id} ${g.id}/${a.id} (${b}): ${why}`);
          pending.add(m[1] ?? m[2]);
        }
      }
    }
  }
  // What the catalogue waits for today; the list shrinks as methods land.
  for (const name of pending) assert.ok(name.length > 0);
});

test('items whose methods are all built are runnable on the data held here, and --list shows every item', () => {
  for (const [paper, id] of [['pdns', 'fig4'], ['pdns', 'table3'], ['dins', 'fig4'], ['gdns', 'fig4'], ['cdns', 'table2']] as const) {
    const s = itemStatus(findItem(paper, id), 'quick');
    assert.notEqual(s.state, 'blocked', `${paper} ${id}: ${JSON.stringify(s.missing)}`);
    assert.deepEqual(s.missing, [], `${paper} ${id}`);
  }
  const r = cli(['reproduce', '--list', '--json']);
  assert.equal(r.code, 0, r.err);
  const list = JSON.parse(r.out) as Array<{ paper: string; item: string; state: string }>;
  assert.equal(list.length, CATALOGUE.length);
  assert.deepEqual(new Set(list.map((x) => x.paper)), new Set(PAPER_IDS));
  const text = cli(['reproduce', '--list', 'dins']);
  assert.equal(text.code, 0, text.err);
  for (const i of paperItems('dins')) assert.match(text.out, new RegExp(`dins ${i.id}\\b`));
});

test('usage errors exit 2 naming the problem', () => {
  for (const [args, re] of [
    [['reproduce'], /expected PAPER and ITEM/],
    [['reproduce', 'nope', 'fig1'], /unknown paper 'nope'/],
    [['reproduce', 'pdns', 'fig99'], /pdns has no item 'fig99'/],
    [['reproduce', 'pdns', 'fig4', '--budget', 'huge'], /--budget: expected quick or full/],
    [['reproduce', 'pdns', 'fig4', '--parallel', '3'], /--parallel: expected 1 or 2/],
    [['reproduce', 'pdns', 'fig4', '--seeds', '1,x'], /--seeds: expected comma-separated integers/],
    [['reproduce', 'pdns', 'fig4', '--groups', 'a,,b'], /--groups: expected comma-separated group ids/],
    [['reproduce', 'recns', 'fig7', '--groups', 'lightgcn,nope', '--dry-run', '--dataset', 'synthetic'], /recns fig7 has no group 'nope' \(its groups: pinsage, ngcf, lightgcn\)/],
  ] as const) {
    const r = cli([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
  }
});

test('--groups runs only the named groups of an item', () => {
  const root = mkdtempSync(join(tmpdir(), 'hn-repro-groups-'));
  try {
    const r = cli(['reproduce', 'recns', 'fig7', '--groups', 'lightgcn', '--dry-run', '--dataset', 'synthetic', '--out', join(root, 'item')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /recns fig7 \(dry run\): 1 arm\(s\), 0 left out/);
    assert.match(r.err, /lightgcn\/recns: sweep \(dry run\)/);
    assert.doesNotMatch(r.err, /pinsage\/|ngcf\//);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a dry run checks every arm and writes nothing', () => {
  const root = mkdtempSync(join(tmpdir(), 'hn-repro-dry-'));
  try {
    const out = join(root, 'item');
    const r = cli(['reproduce', 'gdns', 'fig6', '--dry-run', '--seeds', '1,2,3', '--dataset', 'synthetic', '--out', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /gdns fig6 \(dry run\): 1 arm\(s\), 0 left out/);
    assert.match(r.err, /3 seed\(s\)/);
    assert.ok(!existsSync(out), 'a dry run wrote the item folder');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
