// `hardneg data regions` against an independent computation: the raw files parsed here (no loader), the graph as
// Maps of Sets keyed by the original ids, and a plain breadth-first search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hasSharedData, sharedData } from '../helpers/paths.js';
import { run } from '../../src/cli/data.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    return { code: await run(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** user → items and item → users from `user<sep>item…` lines (original ids as strings). */
function graphOf(path: string): { ui: Map<string, Set<string>>; iu: Map<string, Set<string>>; items: Set<string> } {
  const ui = new Map<string, Set<string>>();
  const iu = new Map<string, Set<string>>();
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const [u, i] = line.trim().split(/\s+/);
    if (!u || !i) continue;
    if (!ui.has(u)) ui.set(u, new Set());
    if (!iu.has(i)) iu.set(i, new Set());
    ui.get(u)!.add(i);
    iu.get(i)!.add(u);
  }
  return { ui, iu, items: new Set(iu.keys()) };
}

function within(g: ReturnType<typeof graphOf>, u: string, khop: number): Set<string> {
  const items = new Set<string>();
  let users = new Set([u]);
  const seenUsers = new Set([u]);
  for (let h = 1; h <= khop; h += 2) {
    const newItems: string[] = [];
    for (const v of users) for (const i of g.ui.get(v) ?? []) if (!items.has(i)) { items.add(i); newItems.push(i); }
    const next = new Set<string>();
    for (const i of newItems) for (const v of g.iu.get(i)!) if (!seenUsers.has(v)) { seenUsers.add(v); next.add(v); }
    users = next;
  }
  return items;
}

interface Row { user: number; id: string; positives: number; intermediate: number; distant: number; intermediateItems: string[]; distantItems: string[] }

async function check(source: string, file: string, users: string, khop: number, allItems: (g: ReturnType<typeof graphOf>) => string[]): Promise<void> {
  const r = await capture(['regions', source, '--data-dir', sharedData(), '--khop', String(khop), '--users', users, '--items', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { khop: number; users: Row[] };
  assert.equal(j.khop, khop);
  const g = graphOf(file);
  const catalogue = allItems(g);
  for (const row of j.users) {
    const own = g.ui.get(row.id) ?? new Set<string>();
    const w = within(g, row.id, khop);
    const med = [...w].filter((i) => !own.has(i)).sort();
    const dis = catalogue.filter((i) => !w.has(i)).sort();
    assert.equal(row.positives, own.size, `${source} user ${row.id}`);
    assert.deepEqual([...row.intermediateItems].sort(), med, `${source} user ${row.id} khop ${khop}: intermediate`);
    assert.deepEqual([...row.distantItems].sort(), dis, `${source} user ${row.id} khop ${khop}: distant`);
    assert.equal(row.intermediate, med.length);
    assert.equal(row.distant, dis.length);
  }
}

const shared = hasSharedData('lastfm', 'data1.txt') && hasSharedData('ml-100k', 'u.data');

test('hardneg data regions agrees with a BFS on the raw ML-100K log (khop 1, 3) and LastFM train file (khop 3, 5)', { skip: !shared && 'no shared data' }, async () => {
  // ML-100K is one log (shown unsplit, like data stats); its catalogue is every item id rated.
  await check('ml-100k', sharedData('ml-100k', 'u.data'), '0,1,2,100,500,942', 3, (g) => [...g.items]);
  await check('ml-100k', sharedData('ml-100k', 'u.data'), '0,7', 1, (g) => [...g.items]);
  // LastFM: the loader keeps the id range 1..max over train and test (LightGCN-PyTorch's convention), so items only
  // in test1.txt or never seen are in the catalogue too: distant for every user.
  const lastfmCatalogue = (): string[] => {
    let max = 0;
    for (const f of ['data1.txt', 'test1.txt']) for (const l of readFileSync(sharedData('lastfm', f), 'utf8').split(/\r?\n/)) {
      const i = Number(l.trim().split(/\s+/)[1]);
      if (i > max) max = i;
    }
    return Array.from({ length: max }, (_, k) => String(k + 1));
  };
  await check('lastfm', sharedData('lastfm', 'data1.txt'), '0,5,17,1000,1500', 3, lastfmCatalogue);
  await check('lastfm', sharedData('lastfm', 'data1.txt'), '0,17', 5, lastfmCatalogue);
});

test('hardneg data regions: summary over all users; usage errors exit 2', { skip: !shared && 'no shared data' }, async () => {
  const s = await capture(['regions', 'ml-100k', '--data-dir', sharedData(), '--json']);
  assert.equal(s.code, 0, s.err);
  const j = JSON.parse(s.out);
  assert.equal(j.numUsers, 943);
  assert.ok(j.intermediate.mean > 0 && j.intermediate.max <= 1682);
  for (const bad of [['--khop', '2'], ['--khop', 'x'], ['--users', '0,9999'], ['--items']]) {
    const r = await capture(['regions', 'ml-100k', '--data-dir', sharedData(), ...bad]);
    assert.equal(r.code, 2, `${bad.join(' ')}: ${r.err}`);
  }
});
