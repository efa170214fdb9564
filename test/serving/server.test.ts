// hardneg serve: answers over HTTP equal Model's (GET and POST, exclusions, similar items), unknown users get the
// popular items of the training split (counted here independently) and a flag, bad requests get a 4xx with a
// message, a reload under concurrent load loses no request and never mixes models, and the CLI server finishes
// an in-flight request after SIGTERM, refuses new connections, and exits 0. Two tiny synthetic runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../src/experiments/run.js';
import { datasetFromConfig, openRun } from '../../src/experiments/openRun.js';
import type { Dataset } from '../../src/data/types.js';
import { encodeSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { Model } from '../../src/serving/model.js';
import { createServer, type ModelServer } from '../../src/serving/server.js';
import { createServer as exportedCreateServer } from '../../src/index.js';
import { CLI, cli } from '../helpers/child.js';

let dir = '';
let runA = '';
let runB = '';
let dsA: Dataset;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hn-serve-'));
  const ds = await datasetFromConfig('synthetic');
  runA = join(dir, 'a');
  runB = join(dir, 'b');
  await train({ preset: 'quickstart', dataset: 'synthetic', epochs: 2, seed: 5 }, ds, { runDir: runA });
  await train({ preset: 'quickstart', dataset: 'synthetic', epochs: 1, seed: 9 }, ds, { runDir: runB });
  dsA = (await openRun(runA)).dataset; // the (carved) dataset run A trained on
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function started(runDir: string, opts: Parameters<typeof createServer>[1] = {}): Promise<{ server: ModelServer; url: string }> {
  const server = createServer(Model.load(runDir), { runDir, ...opts });
  const { url } = await server.listen({ port: 0 });
  return { server, url };
}

interface Answer { status: number; body: any; headers: Headers }
async function get(url: string): Promise<Answer> {
  const r = await fetch(url);
  const text = await r.text();
  return { status: r.status, body: r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text, headers: r.headers };
}
async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer> {
  const r = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text), headers: r.headers };
}

const asPairs = (rec: { items: string[]; scores: number[] }) => rec.items.map((item, j) => ({ item, score: rec.scores[j] }));

function seen(ds: Dataset, u: number): Set<string> {
  const s = new Set<string>();
  for (const m of [ds.train, ds.valid]) if (m) for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) s.add(ds.itemIds[m.indices[p]]);
  return s;
}

test('GET and POST /recommend answer exactly what Model.recommend gives, training items excluded (exclude=none keeps them); /similar = similarItems', async () => {
  assert.equal(exportedCreateServer, createServer, 'exported from the library entry');
  const ref = Model.load(runA); // not resident: the server's resident copy must give the same floats
  const { server, url } = await started(runA);
  try {
    const users = dsA.userIds.filter((_, i) => i % 25 === 3);
    for (const u of users) {
      const r = await get(`${url}/recommend?user=${encodeURIComponent(u)}&k=7`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { user: u, known: true, fallback: null, items: asPairs(ref.recommend([u], { k: 7 })[0]) });
      const s = seen(dsA, dsA.userIds.indexOf(u));
      assert.ok(s.size > 0);
      for (const { item } of r.body.items) assert.ok(!s.has(item), `user ${u}: training item ${item} recommended`);
      const none = await get(`${url}/recommend?user=${encodeURIComponent(u)}&k=7&exclude=none`);
      assert.deepEqual(none.body.items, asPairs(ref.recommend([u], { k: 7, exclude: 'none' })[0]));
    }
    // Some user's top items under exclude=none hold a training item (else the exclusion test above proves nothing).
    assert.ok(users.some((u) => ref.recommend([u], { k: 7, exclude: 'none' })[0].items.some((it) => seen(dsA, dsA.userIds.indexOf(u)).has(it))));
    const d = await get(`${url}/recommend?user=${users[0]}`);
    assert.equal(d.body.items.length, 10, 'default k');
    const b = await post(`${url}/recommend`, { users, k: 5 });
    assert.equal(b.status, 200);
    assert.deepEqual(b.body, { k: 5, results: ref.recommend(users, { k: 5 }).map((r) => ({ user: r.user, known: true, fallback: null, items: asPairs(r) })) });
    // Integer ids in JSON are the same users as their strings.
    const numeric = await post(`${url}/recommend`, { users: [Number(users[1])], k: 3 });
    assert.deepEqual(numeric.body.results[0].items, asPairs(ref.recommend([users[1]], { k: 3 })[0]));
    for (const item of [dsA.itemIds[0], dsA.itemIds[17]]) {
      const s = await get(`${url}/similar?item=${item}&k=6`);
      assert.equal(s.status, 200);
      const want = ref.similarItems(item, 6);
      assert.deepEqual(s.body, { item, items: asPairs(want) });
    }
  } finally {
    await server.close();
  }
});

test('unknown users get the training split\'s most popular items (counted here from the data), flagged; a batch keeps its order; older runs count their exclusion lists', async () => {
  const counts = new Int32Array(dsA.numItems);
  for (let p = 0; p < dsA.train.indptr[dsA.numUsers]; p++) counts[dsA.train.indices[p]]++;
  const order = Array.from(counts.keys()).sort((a, b) => counts[b] - counts[a] || a - b);
  const popular = (k: number) => order.slice(0, k).map((i) => ({ item: dsA.itemIds[i], score: counts[i] }));
  const { server, url } = await started(runA);
  try {
    const r = await get(`${url}/recommend?user=no-such-user&k=8`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { user: 'no-such-user', known: false, fallback: 'popular', items: popular(8) });
    const known = dsA.userIds[4];
    const b = await post(`${url}/recommend`, { users: ['ghost-1', known, 'ghost-2'], k: 4 });
    assert.deepEqual(b.body.results.map((x: any) => [x.user, x.known, x.fallback]), [['ghost-1', false, 'popular'], [known, true, null], ['ghost-2', false, 'popular']]);
    assert.deepEqual(b.body.results[0].items, popular(4));
    assert.deepEqual(b.body.results[1].items, asPairs(Model.load(runA).recommend([known], { k: 4 })[0]));
    const m = await get(`${url}/metrics?format=json`);
    assert.equal(m.body.unknownUsers, 3);
    assert.equal((await get(`${url}/health`)).body.popularity, 'train');
  } finally {
    await server.close();
  }
  // A run written before the counts were stored: the column counts of its train ∪ valid lists.
  const old = join(dir, 'old-exclude');
  const f = readSafetensors(join(runA, 'exclude.safetensors'));
  assert.ok(f.tensors.popularity, 'runs store popularity');
  writeFileSync(old, encodeSafetensors({ indptr: f.tensors.indptr as any, indices: f.tensors.indices as any }, f.metadata));
  const union = new Int32Array(dsA.numItems);
  for (let u = 0; u < dsA.numUsers; u++) for (const it of seen(dsA, u)) union[dsA.itemIds.indexOf(it)]++;
  const copy = join(dir, 'a-old');
  rmSync(copy, { recursive: true, force: true });
  (await import('node:fs')).cpSync(runA, copy, { recursive: true });
  (await import('node:fs')).renameSync(old, join(copy, 'exclude.safetensors'));
  const m = Model.load(copy);
  assert.equal(m.popularitySource, 'train+valid');
  const top = m.popularItems(5);
  const unionOrder = Array.from(union.keys()).sort((a, b) => union[b] - union[a] || a - b).slice(0, 5);
  assert.deepEqual(top, { items: unionOrder.map((i) => dsA.itemIds[i]), scores: unionOrder.map((i) => union[i]) });
});

/** A raw request (for bodies fetch will not send as they are); resolves with the status and parsed body. */
function raw(url: string, opts: { method: string; path: string; headers?: Record<string, string | number>; body?: string }): Promise<{ status: number; body: any }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      let t = '';
      res.on('data', (c) => (t += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(t) }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

test('bad requests get a 4xx with a message: user and k parameters, batch size, oversize and malformed bodies, unknown routes and items, wrong methods', async () => {
  const { server, url } = await started(runA, { maxK: 50, maxBatch: 20, maxBodyBytes: 1024 });
  const u = dsA.userIds[0];
  try {
    const cases: Array<[string, Promise<Answer>, number, RegExp]> = [
      ['no user', get(`${url}/recommend?k=5`), 400, /needs \?user=ID/],
      ['empty user', get(`${url}/recommend?user=&k=5`), 400, /user is empty/],
      ['two users', get(`${url}/recommend?user=${u}&user=${u}`), 400, /given twice.*POST \/recommend/],
      ['a typo', get(`${url}/recommend?user=${u}&kk=5`), 400, /unknown query parameter 'kk'/],
      ['k = 0', get(`${url}/recommend?user=${u}&k=0`), 400, /k must be a positive integer, got "0"/],
      ['k = abc', get(`${url}/recommend?user=${u}&k=abc`), 400, /k must be a positive integer/],
      ['k = 2.5', get(`${url}/recommend?user=${u}&k=2.5`), 400, /k must be a positive integer/],
      ['huge k', get(`${url}/recommend?user=${u}&k=1000000000000`), 400, /k = 1000000000000 is above this server's limit of 50/],
      ['bad exclude', get(`${url}/recommend?user=${u}&exclude=all`), 400, /exclude must be "train" or "none"/],
      ['huge k in a batch', post(`${url}/recommend`, { users: [u], k: 51 }), 400, /k = 51 is above/],
      ['users not a list', post(`${url}/recommend`, { users: u }), 400, /'users' must be an array/],
      ['an object id', post(`${url}/recommend`, { users: [u, { id: 1 }] }), 400, /users\[1\] must be an id/],
      ['too many users', post(`${url}/recommend`, { users: Array(21).fill(u) }), 400, /21 users; this server takes at most 20/],
      ['unknown key', post(`${url}/recommend`, { users: [u], top: 3 }), 400, /unknown key 'top'/],
      ['malformed JSON', post(`${url}/recommend`, '{"users": ["1",'), 400, /not valid JSON/],
      ['a JSON array', post(`${url}/recommend`, '[1,2]'), 400, /must be a JSON object, got an array/],
      ['empty body', post(`${url}/recommend`, ''), 400, /body is empty/],
      ['not JSON', post(`${url}/recommend`, 'users=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, /must be JSON.*curl -d/],
      ['oversize body', post(`${url}/recommend`, { users: Array(400).fill('abcdef') }), 413, /this server takes at most 1024/],
      ['unknown route', get(`${url}/recommendations?user=${u}`), 404, /no route \/recommendations; routes: \/recommend/],
      ['unknown item', get(`${url}/similar?item=not-an-item`), 404, /no item with id "not-an-item"/],
      ['no item', get(`${url}/similar`), 400, /needs \?item=ID/],
      ['reload without admin', post(`${url}/admin/reload`, {}), 403, /admin\/reload is off/],
      ['metrics format', get(`${url}/metrics?format=xml`), 400, /format must be/],
    ];
    for (const [what, p, status, msg] of cases) {
      const r = await p;
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error, msg, what);
    }
    const m = await fetch(`${url}/health`, { method: 'DELETE' });
    assert.equal(m.status, 405);
    assert.equal(m.headers.get('allow'), 'GET');
    assert.match(((await m.json()) as { error: string }).error, /DELETE \/health: method not allowed \(allowed: GET\)/);
    const p = await fetch(`${url}/recommend?user=${u}`, { method: 'PUT' });
    assert.equal(p.status, 405);
    assert.equal(p.headers.get('allow'), 'GET, POST');
    // A body over the limit without a declared length (chunked) is cut off at the limit too.
    const chunked = await raw(url, { method: 'POST', path: '/recommend', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: JSON.stringify({ users: Array(400).fill('abcdef') }) });
    assert.equal(chunked.status, 413);
    assert.match(chunked.body.error, /over 1024 bytes/);
    // The server still answers correctly after all of that.
    assert.equal((await get(`${url}/recommend?user=${u}&k=3`)).body.items.length, 3);
    const metrics = await get(`${url}/metrics`);
    assert.match(metrics.body, /hardneg_requests_total\{route="\/recommend",method="GET",status="400"\} 9\n/);
    assert.match(metrics.body, /hardneg_requests_total\{route="other",method="GET",status="404"\} 1\n/);
    assert.match(metrics.body, /hardneg_request_duration_seconds\{route="\/recommend",method="GET",quantile="0.99"\} [0-9.e-]+\n/);
  } finally {
    await server.close();
  }
});

test('a reload under concurrent load loses no request, and every answer is wholly one model\'s (checked against that model)', async () => {
  const { server, url } = await started(runA, { admin: true });
  const models = new Map<string, Model>([['1', Model.load(runA)]]);
  const answers: Array<{ gen: string; user: string; items: unknown }> = [];
  let failures = 0;
  let stop = false;
  const users = dsA.userIds.slice(0, 60);
  const client = async (c: number) => {
    for (let i = 0; !stop; i++) {
      const user = users[(c * 13 + i * 7) % users.length];
      try {
        const r = await fetch(`${url}/recommend?user=${user}&k=5`);
        const body = await r.json() as { items: unknown };
        if (r.status !== 200) failures++;
        else answers.push({ gen: r.headers.get('x-hardneg-generation')!, user, items: body.items });
      } catch {
        failures++;
      }
    }
  };
  try {
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    const seq = [runB, runA, runB, runA];
    for (let i = 0; i < seq.length; i++) {
      await new Promise((r) => setTimeout(r, 60));
      const r = i % 2 === 0 ? await post(`${url}/admin/reload`, { run: seq[i] }) : { status: 200, body: await server.reload(seq[i]) };
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.generation, i + 2);
      models.set(String(i + 2), Model.load(seq[i]));
    }
    await new Promise((r) => setTimeout(r, 60));
    stop = true;
    await Promise.all(clients);
    assert.equal(failures, 0, 'no request failed or was refused');
    const gens = new Set(answers.map((a) => a.gen));
    assert.deepEqual([...gens].sort(), ['1', '2', '3', '4', '5'], 'answers came from every model in turn');
    for (const a of answers) {
      assert.deepEqual(a.items, asPairs(models.get(a.gen)!.recommend([a.user], { k: 5 })[0]), `generation ${a.gen}, user ${a.user}`);
    }
    assert.ok(answers.length > 100, `${answers.length} answers`);
    // The two runs differ, so the check above tells them apart.
    assert.notDeepEqual(models.get('1')!.recommend(users, { k: 5 }), models.get('2')!.recommend(users, { k: 5 }));
    // A failed reload keeps the model.
    const bad = await post(`${url}/admin/reload`, { run: join(dir, 'missing') });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /reload failed, the model of generation 5 goes on answering: .*does not exist/);
    assert.equal((await get(`${url}/health`)).body.generation, 5);
  } finally {
    stop = true;
    await server.close();
  }
});

test('hardneg serve: SIGHUP reloads; SIGTERM lets an in-flight request finish, refuses new connections and exits 0', async () => {
  const child = spawn(process.execPath, [CLI, 'serve', runA, '--port', '0'], { env: { ...process.env, HARDNEG_THREADS: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) { clearInterval(t); resolve(m[1]); }
        if (child.exitCode !== null) { clearInterval(t); reject(new Error(`serve exited: ${err}`)); }
      }, 20);
    });
    child.kill('SIGHUP');
    for (let i = 0; i < 100 && !/reloaded/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await get(`${url}/health`)).body.generation, 2, err);
    // A request in flight: headers and half its body sent, then SIGTERM.
    const u = new URL(url);
    const user = dsA.userIds[2];
    const body = JSON.stringify({ users: [user], k: 4 });
    const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/recommend', agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(t) }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(async () => {
          // New connections are refused while the in-flight request is still open.
          await assert.rejects(fetch(`${url}/health`), 'new connections are refused after SIGTERM');
          assert.equal(child.exitCode, null, 'still running while a request is in flight');
          req.end(body.slice(10));
        }, 300);
      }, 200);
    });
    const r = await answer;
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.results[0].items, asPairs(Model.load(runA).recommend([user], { k: 4 })[0]));
    assert.equal(await exited, 0, err);
    assert.match(err, /SIGTERM: finishing in-flight requests[\s\S]*closed/);
  } finally {
    clearTimeout(kill);
    child.kill('SIGKILL');
  }
});

test('hardneg serve: usage errors exit 2 with a message', () => {
  const none = cli(['serve']);
  assert.equal(none.code, 2);
  assert.match(none.err, /expected one RUN_DIR/);
  const port = cli(['serve', runA, '--port', '99999']);
  assert.equal(port.code, 2);
  assert.match(port.err, /--port: expected an integer in \[0, 65535\], got '99999'/);
  const missing = cli(['serve', join(dir, 'nope')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /does not exist/);
  const help = cli(['serve', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /GET {2}\/recommend\?user=ID/);
});
