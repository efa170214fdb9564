// Model: a trained run served by original ids from its folder alone. The acceptance test trains ML-100K from a copy
// of its files, moves the copy away, and serves the run in a fresh process (equal to `hardneg recommend` from
// before the move); the rest checks exclusions, similarItems against a brute-force cosine sort, scores, the heap,
// and that bad inputs and tampered run files give clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { heap } from '../../src/engine/memory.js';
import { train } from '../../src/experiments/run.js';
import { datasetFromConfig, openRun } from '../../src/experiments/openRun.js';
import { encodeSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { RunIntegrityError } from '../../src/io/runFiles.js';
import { Model } from '../../src/serving/model.js';
import { formatItemLists, recommend } from '../../src/serving/recommend.js';
import { Model as ExportedModel } from '../../src/index.js';
import { cli } from '../helpers/child.js';
import { hasSharedData, sharedData } from '../helpers/paths.js';

const INDEX = pathToFileURL(new URL('../../src/index.js', import.meta.url).pathname).href;

/** Runs `body` (an ES module's text, `Model` imported) in a fresh node process; returns its stdout. */
function inFreshProcess(dir: string, body: string): string {
  const script = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, `import { Model, formatItemLists } from ${JSON.stringify(INDEX)};\n${body}\n`);
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 2 ** 20, env: { ...process.env, HARDNEG_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function seenSets(ds: { train: { indptr: Int32Array; indices: Int32Array }; valid?: { indptr: Int32Array; indices: Int32Array } }, u: number): Set<number> {
  const s = new Set<number>();
  for (const m of [ds.train, ds.valid]) if (m) for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) s.add(m.indices[p]);
  return s;
}

const ml = hasSharedData('ml-100k', 'u.data');

test('ML-100K: a run trained from a copy of the data serves by original ids in a fresh process after the copy is gone, as `hardneg recommend` did before',
  { skip: !ml && 'no shared ml-100k' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-model-'));
    try {
      const data = join(dir, 'data', 'ml-100k');
      cpSync(sharedData('ml-100k'), data, { recursive: true });
      const run = join(dir, 'run');
      const t = cli(['train', '-d', data, '--epochs', '2', '--out', run, '-q']);
      assert.equal(t.code, 0, t.err);
      for (const f of ['ids.json', 'exclude.safetensors']) assert.ok(existsSync(join(run, f)), `${f} written`);
      const users = ['1', '42', '943', '7'];
      const csvBefore = cli(['recommend', run, '--users', users.join(','), '-k', '10']);
      assert.equal(csvBefore.code, 0, csvBefore.err);
      const jsonBefore = cli(['recommend', run, '--users', users.join(','), '-k', '10', '--format', 'json']);
      assert.equal(jsonBefore.code, 0, jsonBefore.err);
      const internalBefore = cli(['recommend', run, '--users', '0,5', '--internal-ids', '-k', '4']);
      assert.equal(internalBefore.code, 0, internalBefore.err);
      const seenOut = cli(['recommend', run, '--users', '1', '-k', '1682', '--include-seen']);
      assert.equal(seenOut.code, 0, seenOut.err);
      // The original data's train ∪ valid per user (through the data files, before they go).
      const seen = join(dir, 'seen.json');
      const s = spawnSync(process.execPath, ['--input-type=module', '-e', `
        import { openRun, recommend, formatRecommendations } from ${JSON.stringify(INDEX)}; import { writeFileSync } from 'node:fs';
        const { dataset: d, emb } = await openRun(${JSON.stringify(run)});
        const idx = Int32Array.from(${JSON.stringify(users)}, (id) => d.userIds.indexOf(id));
        writeFileSync(${JSON.stringify(join(dir, 'old-path.csv'))}, formatRecommendations(recommend(emb, d, idx, 10), d, 'csv'));
        const out = {};
        for (let u = 0; u < d.numUsers; u++) {
          const s = [];
          for (const m of [d.train, d.valid]) if (m) for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) s.push(d.itemIds[m.indices[p]]);
          out[d.userIds[u]] = s;
        }
        writeFileSync(${JSON.stringify(seen)}, JSON.stringify(out));`], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(s.status, 0, s.stderr);
      const seenByUser = JSON.parse(readFileSync(seen, 'utf8')) as Record<string, string[]>;

      // The data files go away.
      renameSync(join(dir, 'data'), join(dir, 'data-moved'));
      rmSync(join(dir, 'data-moved'), { recursive: true, force: true });
      const opened = cli(['eval', run]);
      assert.notEqual(opened.code, 0, 'eval (which reloads the data) fails: the data is really gone');

      const out = inFreshProcess(dir, `
        const m = Model.load(${JSON.stringify(run)});
        const users = ${JSON.stringify(users)};
        const recs = m.recommend(users, { k: 10 });
        const all = m.recommend(Object.keys(${JSON.stringify(Object.fromEntries(Object.keys(seenByUser).map((u) => [u, 1])))}), { k: 50 });
        const none = m.recommend(['1'], { k: m.numItems, exclude: 'none' });
        const train = m.recommend(['1'], { k: m.numItems });
        process.stdout.write(JSON.stringify({ csv: formatItemLists(recs, 'csv'), json: formatItemLists(recs, 'json'),
          numUsers: m.numUsers, numItems: m.numItems, all, none, train, noneCsv: formatItemLists(none, 'csv') }));`);
      const r = JSON.parse(out) as {
        csv: string; json: string; numUsers: number; numItems: number; noneCsv: string;
        all: Array<{ user: string; items: string[] }>; none: Array<{ items: string[] }>; train: Array<{ items: string[] }>;
      };
      assert.equal(r.numUsers, 943);
      assert.equal(r.numItems, 1682);
      assert.equal(r.csv, csvBefore.out, 'Model.load + recommend by original ids = `hardneg recommend` before the move (CSV)');
      assert.equal(r.json, jsonBefore.out, 'the same as JSON');
      assert.equal(r.csv, readFileSync(join(dir, 'old-path.csv'), 'utf8'), 'and = the data-reloading path (openRun + recommend) from before the move');
      assert.equal(r.noneCsv, seenOut.out, "exclude: 'none' = --include-seen");
      // Excluded training (and validation) items never appear, for every user.
      for (const rec of r.all) {
        const s = new Set(seenByUser[rec.user]);
        assert.equal(rec.items.length, 50);
        for (const it of rec.items) assert.ok(!s.has(it), `user ${rec.user}: seen item ${it} recommended`);
      }
      // 'none' ranks every item, seen ones included; 'train' ranks exactly the unseen ones.
      const seen1 = new Set(seenByUser['1']);
      assert.ok(seen1.size > 0);
      assert.equal(r.none[0].items.length, 1682);
      assert.equal(r.train[0].items.length, 1682 - seen1.size);
      assert.ok(r.none[0].items.slice(0, 20).some((it) => seen1.has(it)), 'a seen item can rank in the top 20 without exclusions');

      // The CLI after the move serves the same lists (from the run folder alone), --internal-ids included.
      const csvAfter = cli(['recommend', run, '--users', users.join(','), '-k', '10']);
      assert.equal(csvAfter.code, 0, csvAfter.err);
      assert.equal(csvAfter.out, csvBefore.out);
      const internalAfter = cli(['recommend', run, '--users', '0,5', '--internal-ids', '-k', '4']);
      assert.equal(internalAfter.out, internalBefore.out);
      const bad = cli(['recommend', run, '--users', 'nobody']);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /no user with id 'nobody' in dataset 'ml-100k'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

async function syntheticRun(dir: string) {
  // The named synthetic dataset (500 × 800, with a validation split), so openRun can reload it for comparison.
  const ds = await datasetFromConfig('synthetic');
  const run = join(dir, 'run');
  const result = await train({ preset: 'quickstart', dataset: 'synthetic', epochs: 2, seed: 5 }, ds, { runDir: run, keepWeights: true });
  return { ds, run, result };
}

test('Model.load = Model.fromResult = the internal recommend(), with original ids; score and exclusions agree', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-model-'));
  try {
    const { run, result } = await syntheticRun(dir);
    const { dataset, emb } = await openRun(run); // the carved dataset the run trained on
    assert.equal(ExportedModel, Model, 'exported from the library entry');
    const loaded = Model.load(run);
    const fromResult = Model.fromResult(result, dataset);
    const ids = dataset.userIds.slice();
    const a = loaded.recommend(ids, { k: 7 });
    assert.deepEqual(fromResult.recommend(ids, { k: 7 }), a);
    const internal = recommend(emb, dataset, Int32Array.from(ids, (_, i) => i), 7);
    for (let u = 0; u < ids.length; u++) {
      assert.equal(a[u].user, dataset.userIds[u]);
      assert.deepEqual(a[u].items, Array.from(internal[u].items, (i) => dataset.itemIds[i]));
      assert.deepEqual(a[u].scores, Array.from(internal[u].scores));
      const seen = seenSets(dataset, u);
      for (const it of a[u].items) assert.ok(!seen.has(loaded.itemIndexOf(it)));
      const s = loaded.score(ids[u], a[u].items);
      s.forEach((x, j) => assert.ok(Math.abs(x - a[u].scores[j]) < 1e-5, `score ${x} vs topK ${a[u].scores[j]}`));
    }
    // Explicit exclusions replace 'train': exactly the listed items go (duplicates and other users ignored).
    const u0 = ids[0];
    const none = loaded.recommend([u0], { k: 5, exclude: 'none' })[0];
    const ex = loaded.recommend([u0, ids[1]], { k: 4, exclude: { [u0]: [none.items[0], none.items[2], none.items[0]], nobody: ['x'] } });
    assert.deepEqual(ex[0].items, [none.items[1], none.items[3], none.items[4], loaded.recommend([u0], { k: 6, exclude: 'none' })[0].items[5]]);
    assert.deepEqual(ex[1].items, loaded.recommend([ids[1]], { k: 4, exclude: 'none' })[0].items);
    // k above the number of items: every remaining item, no padding.
    assert.equal(loaded.recommend([u0], { k: 10_000, exclude: 'none' })[0].items.length, dataset.numItems);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('similarItems = a brute-force cosine sort over item embeddings, without the item itself; the heap is back to its size after each call', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-model-'));
  try {
    const { run } = await syntheticRun(dir);
    const m = Model.load(run);
    const { emb } = await openRun(run);
    const d = emb.dim, ni = m.numItems;
    const before = heap.stats().liveBytes;
    for (const q of [0, 17, ni - 1]) {
      const qid = m.itemIds[q];
      const got = m.similarItems(qid, 8);
      assert.equal(got.item, qid);
      const norm = (r: number) => Math.hypot(...Array.from(emb.items.subarray(r * d, (r + 1) * d)));
      const cos: Array<[number, number]> = [];
      for (let i = 0; i < ni; i++) {
        if (i === q) continue;
        let s = 0;
        for (let j = 0; j < d; j++) s += emb.items[q * d + j] * emb.items[i * d + j];
        cos.push([s / (norm(q) * norm(i)), i]);
      }
      cos.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      assert.ok(!got.items.includes(qid), 'the item is not its own neighbour');
      assert.equal(got.items.length, 8);
      got.scores.forEach((s, j) => assert.ok(Math.abs(s - cos[j][0]) < 1e-5, `cosine ${s} vs ${cos[j][0]}`));
      // Same order up to near-ties (float32 vs float64 cosines).
      got.items.forEach((it, j) => {
        if (it !== m.itemIds[cos[j][1]]) assert.ok(Math.abs(cos[j][0] - got.scores[j]) < 1e-5);
      });
      assert.deepEqual(new Set(got.items.slice(0, 5)), new Set(cos.slice(0, 5).map((c) => m.itemIds[c[1]])));
      assert.equal(m.similarItems(qid, 10_000).items.length, ni - 1);
    }
    m.recommend(m.userIds.slice(0, 10), { k: 5 });
    m.recommend(m.userIds.slice(0, 3), { k: 5, exclude: 'none' });
    m.recommend([m.userIds[0]], { exclude: { [m.userIds[0]]: [m.itemIds[1]] } });
    assert.equal(heap.stats().liveBytes, before, 'no heap left behind by recommend or similarItems');
    assert.throws(() => m.recommend(['x']), RangeError);
    assert.equal(heap.stats().liveBytes, before, 'nor by a refused call');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad inputs give clear errors: unknown user or item, k < 1, a bad exclude option', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-model-'));
  try {
    const { run } = await syntheticRun(dir);
    const m = Model.load(run);
    assert.throws(() => m.recommend(['no-such-user']), new RegExp(`no user with id "no-such-user" \\(the model has ${m.numUsers} users`));
    assert.throws(() => m.recommend([m.userIds[0]], { k: 0 }), /k must be a positive integer, got 0/);
    assert.throws(() => m.recommend([m.userIds[0]], { k: 2.5 }), /k must be a positive integer, got 2.5/);
    assert.throws(() => m.similarItems(m.itemIds[0], -1), /k must be a positive integer/);
    assert.throws(() => m.similarItems('no-such-item'), new RegExp(`no item with id "no-such-item" \\(the model has ${m.numItems} items`));
    assert.throws(() => m.score(m.userIds[0], ['nope']), /no item with id "nope"/);
    assert.throws(() => m.recommend([m.userIds[0]], { exclude: { [m.userIds[0]]: ['nope'] } }), /no item with id "nope"/);
    assert.throws(() => m.recommend([m.userIds[0]], { exclude: { [m.userIds[0]]: 'x' as never } }), /must be an array of item ids/);
    assert.throws(() => m.recommend('0' as never), /userIds must be an array/);
    assert.throws(() => Model.load(join(dir, 'nowhere')), /does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tampered or missing ids.json / exclude.safetensors are refused naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-model-'));
  try {
    const { run } = await syntheticRun(dir);
    const idsPath = join(run, 'ids.json');
    const exPath = join(run, 'exclude.safetensors');
    const ids = JSON.parse(readFileSync(idsPath, 'utf8')) as { users: unknown[]; items: unknown[]; fingerprint: string };
    const ex = readFileSync(exPath);
    const tamperIds = (change: (o: typeof ids) => void, re: RegExp) => {
      const o = JSON.parse(JSON.stringify(ids)) as typeof ids;
      change(o);
      writeFileSync(idsPath, JSON.stringify(o));
      assert.throws(() => Model.load(run), (e: Error) => e instanceof RunIntegrityError && e.message.includes(idsPath) && re.test(e.message));
    };
    tamperIds((o) => { o.users[3] = o.users[2]; }, /'users'\[3\] = "2" appears twice/);
    tamperIds((o) => { o.items.pop(); }, new RegExp(`'items' has ${ids.items.length - 1} ids, dataset.json says ${ids.items.length}`));
    tamperIds((o) => { o.users[0] = 0; }, /'users'\[0\] is 0, expected a string id/);
    tamperIds((o) => { o.fingerprint = 'beef'; }, /fingerprint beef… is not dataset.json's/);
    writeFileSync(idsPath, '{"format": "hardneg-ids", "users": [');
    assert.throws(() => Model.load(run), /ids\.json: not valid JSON/);
    // the CLI says the same, exit 1, no stack trace
    const c = cli(['recommend', run]);
    assert.equal(c.code, 1);
    assert.match(c.err, /ids\.json: not valid JSON/);
    assert.doesNotMatch(c.err, /^\s+at /m);
    writeFileSync(idsPath, JSON.stringify(ids));
    Model.load(run);

    const f = readSafetensors(exPath);
    const indptr = f.tensors.indptr.data as Int32Array, indices = f.tensors.indices.data as Int32Array;
    const tamperEx = (t: Record<string, { shape: number[]; data: Int32Array | Float32Array }>, re: RegExp, meta = f.metadata) => {
      writeFileSync(exPath, encodeSafetensors(t, meta));
      assert.throws(() => Model.load(run), (e: Error) => e instanceof RunIntegrityError && e.message.includes(exPath) && re.test(e.message), re.source);
    };
    const swapped = indices.slice();
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    tamperEx({ indptr: { shape: [indptr.length], data: indptr }, indices: { shape: [indices.length], data: swapped } }, /row 0 is not sorted and unique/);
    const far = indices.slice();
    far[0] = ids.items.length;
    tamperEx({ indptr: { shape: [indptr.length], data: indptr }, indices: { shape: [indices.length], data: far } }, new RegExp(`row 0 holds item ${ids.items.length}, outside 0\\.\\.${ids.items.length - 1}`));
    tamperEx({ indptr: { shape: [indptr.length - 1], data: indptr.slice(1) }, indices: { shape: [indices.length], data: indices } }, new RegExp(`'indptr' has shape \\[${indptr.length - 1}\\], expected \\[${indptr.length}\\]`));
    tamperEx({ indptr: { shape: [indptr.length], data: Float32Array.from(indptr) }, indices: { shape: [indices.length], data: indices } }, /'indptr' is stored as F32, expected I32/);
    tamperEx({ indptr: { shape: [indptr.length], data: indptr }, indices: { shape: [indices.length], data: indices } }, /another run's exclusions/, { ...f.metadata, fingerprint: 'x' });
    writeFileSync(exPath, ex);
    Model.load(run);

    rmSync(idsPath);
    assert.throws(() => Model.load(run), /ids\.json: missing \(original user and item ids\); the run was written before/);
    // The CLI still serves such a run, from its reloaded dataset (the data is still there).
    const old = cli(['recommend', run, '--users', '0', '-k', '3']);
    assert.equal(old.code, 0, old.err);
    assert.equal(old.out.trim().split('\n').length, 4);
    // An unfinished run (no summary.json) is not served.
    writeFileSync(idsPath, JSON.stringify(ids));
    rmSync(join(run, 'summary.json'));
    assert.throws(() => Model.load(run), /not a finished run/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('formatItemLists writes the CLI formats (CSV quoting, JSON with 7-digit scores)', () => {
  const recs = [{ user: 'a,b', items: ['x"y', 'z'], scores: [0.123456789, -2] }];
  assert.equal(formatItemLists(recs, 'csv'), 'user,rank,item,score\n"a,b",1,"x""y",0.1234568\n"a,b",2,z,-2.000000\n');
  assert.deepEqual(JSON.parse(formatItemLists(recs, 'json')), [{ user: 'a,b', items: [{ item: 'x"y', score: 0.1234568 }, { item: 'z', score: -2 }] }]);
});
