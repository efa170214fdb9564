// Acceptance figures on the real shared datasets (skipped with a message when ../shared/data is absent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasSharedData, sharedData } from '../helpers/paths.js';
import { colCounts, countOverlap, loadDataset, loadLastFm, loadLightGcn, loadLog, nnz, rowCounts, union } from '../../src/data/index.js';
import { datasetStats } from '../../src/data/stats.js';

const gowalla = hasSharedData('gowalla', 'light_gcn_gowalla', 'train.txt');
const lastfm = hasSharedData('lastfm', 'data1.txt');
const ml = hasSharedData('ml-100k', 'u.data');

test('Gowalla (LightGCN files): 29,858 users, 40,981 items, train 810,128, test 217,242', { skip: !gowalla && 'no shared gowalla' }, () => {
  const d = loadLightGcn(sharedData('gowalla', 'light_gcn_gowalla'), { name: 'gowalla' });
  assert.equal(d.numUsers, 29858);
  assert.equal(d.numItems, 40981);
  assert.equal(nnz(d.train), 810128);
  assert.equal(nnz(d.test), 217242);
  assert.equal(d.valid, undefined);
  assert.equal(countOverlap(d.train, d.test), 0);
  // Original ids from user_list.txt: remap 0 is org 343.
  assert.equal(d.userIds[0], '343');
  const s = datasetStats(d);
  assert.equal(s.splits.train.users, 29858);
  assert.equal(s.splits.test.users, 29858);
  assert.equal(s.total.interactions, 1027370);
  assert.equal(s.total.density.toFixed(5), '0.00084');
  // First line of train.txt starts "0 0 1 2 3 …".
  assert.deepEqual([...d.train.indices.subarray(0, 4)], [0, 1, 2, 3]);
  assert.equal(d.report.length, 0, 'clean source: nothing to report');
});

test('LastFM: 1,892 users in the id range, 1,880 with interactions, 4,489 items, train 42,135, test 10,533', { skip: !lastfm && 'no shared lastfm' }, () => {
  const d = loadLastFm(sharedData('lastfm'));
  assert.equal(d.numUsers, 1892);
  assert.equal(d.numItems, 4489);
  assert.equal(nnz(d.train), 42135);
  assert.equal(nnz(d.test), 10533);
  const all = rowCounts(union(d.train, d.test));
  assert.equal(all.filter((c) => c > 0).length, 1880);
  assert.ok(d.report.some((r) => r.count === 12 && /no interactions/.test(r.message)));
  // First line of data1.txt: "424\t4076\t993" → user 423, item 4075, weight 993.
  const row = d.train.indices.subarray(d.train.indptr[423], d.train.indptr[424]);
  const k = row.indexOf(4075);
  assert.ok(k >= 0);
  assert.equal(d.train.ratings![d.train.indptr[423] + k], 993);
  assert.equal(d.userIds[423], '424');
  const s = datasetStats(d);
  assert.equal(s.total.users, 1880);
  assert.equal(s.splits.train.users, 1878);
  assert.equal(s.splits.test.users, 1858);
  assert.equal(colCounts(union(d.train, d.test)).filter((c) => c > 0).length, 4489);
});

test('ML-100K: 943 × 1,682, 100,000 ratings; threshold ≥ 4 gives 55,375 positives and 44,625 exposure records', { skip: !ml && 'no shared ml-100k' }, () => {
  const log = loadLog({ name: 'ml-100k' });
  assert.equal(log.numUsers, 943);
  assert.equal(log.numItems, 1682);
  assert.equal(log.users.length, 100000);
  // First line "196\t242\t3\t881250949": ids are 1-based and contiguous → dense = id − 1.
  assert.equal(log.users[0], 195);
  assert.equal(log.items[0], 241);
  assert.equal(log.ratings![0], 3);
  assert.equal(log.timestamps![0], 881250949);
  const d = loadDataset({ name: 'ml-100k', ratingThreshold: 4, split: 'ratio:8:1:1', seed: 7 });
  assert.equal(d.numUsers, 943);
  assert.equal(nnz(d.train) + nnz(d.valid!) + nnz(d.test), 55375);
  assert.equal(nnz(d.exposure!), 44625);
  const s = datasetStats(loadDataset({ name: 'ml-100k', split: 'none' }));
  assert.equal(s.total.interactions, 100000);
  assert.equal(s.total.users, 943);
  assert.equal(s.total.items, 1682);
});
