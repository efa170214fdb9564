// hardneg serve: a Model over HTTP on node:http (no framework; the routes are five and their parsing is a few
// lines each). Routes:
//   GET  /recommend?user=ID[&k=N][&exclude=train|none]   one user's top-k (unknown users: the popular items, flagged)
//   POST /recommend  { users: [ID, …], k?, exclude? }      a batch, in one top-K call for the known users
//   GET  /similar?item=ID[&k=N]                            cosine neighbours of an item
//   GET  /health                                           model and server state (503 while shutting down)
//   GET  /metrics[?format=json]                            request counts by route/method/status, latency quantiles
//   POST /admin/reload  { run?: DIR }                      load a run folder (default: the current one) and swap
// Every answer is JSON (metrics: Prometheus text unless format=json); every refusal is a 4xx with { error }.
// The model answering a request is taken when its computation starts, which is synchronous: a reload loads and
// verifies the new folder on a worker thread (Model.loadAsync), then swaps one reference, so no request is dropped
// or sees half a model. close() stops accepting, lets in-flight requests finish, then ends.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Model, type ExcludeOption } from './model.js';

export interface ServerOptions {
  /** The largest k a request may ask for (default 100); a larger one is refused with 400. */
  maxK?: number;
  /** k when a request gives none (default 10). */
  defaultK?: number;
  /** The most users in one POST /recommend (default 1000); more are refused with 400. */
  maxBatch?: number;
  /** The largest request body in bytes (default 1 MiB); a larger one is refused with 413. */
  maxBodyBytes?: number;
  /** Answer POST /admin/reload (default false: 403). Reload by signal (`serve`'s SIGHUP) works either way. */
  admin?: boolean;
  /** Keep the model's item table on the engine heap between requests (Model.resident; default true). */
  resident?: boolean;
  /** How long close() waits for in-flight requests before it cuts their connections (default 10,000 ms). */
  shutdownTimeoutMs?: number;
  /** Latencies kept per route for /metrics' quantiles (default 4096: the quantiles are over the latest ones). */
  latencyWindow?: number;
  /** Where the server reports reloads and shutdown (default: nowhere). */
  log?: (line: string) => void;
}

export interface ListenOptions {
  /** Default 8080; 0 picks a free port (the answer of listen() says which). */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
}

export interface ServeOptions extends ServerOptions, ListenOptions {
  /** Install SIGINT/SIGTERM (graceful close; a second one cuts connections) and SIGHUP (reload) handlers. */
  signals?: boolean;
}

/** What a reload did. */
export interface ReloadInfo {
  generation: number;
  run: string;
  users: number;
  items: number;
  seconds: number;
}

/** Requests answered and latency quantiles (seconds) of one route and method. */
export interface RouteMetrics {
  route: string;
  method: string;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  count: number;
  sumSeconds: number;
  /** Quantiles over the latest `latencyWindow` requests. */
  quantiles: { p50: number; p90: number; p99: number; max: number };
}

export interface MetricsSnapshot {
  generation: number;
  reloads: number;
  failedReloads: number;
  unknownUsers: number;
  inFlight: number;
  uptimeSeconds: number;
  routes: RouteMetrics[];
}

export interface ModelServer {
  /** The node:http server (not listening until listen()). */
  readonly http: http.Server;
  /** The model answering now. */
  readonly model: Model;
  /** Its run folder (null for a model given in memory). */
  readonly runDir: string | null;
  /** 1 for the first model, one more per reload. */
  readonly generation: number;
  /** Resolves once the server has closed (close(), or a signal with `signals`). */
  readonly closed: Promise<void>;
  listen(opts?: ListenOptions): Promise<{ host: string; port: number; url: string }>;
  /** Loads `runDir` (default: the current run folder) off the event loop and swaps it in; the old model stays on failure. */
  reload(runDir?: string): Promise<ReloadInfo>;
  /** Stops accepting connections, lets in-flight requests finish (up to shutdownTimeoutMs), then closes. */
  close(): Promise<void>;
  metrics(): MetricsSnapshot;
}

/** A refusal: its status and message become the answer `{ error }`. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

const DEFAULTS = { maxK: 100, defaultK: 10, maxBatch: 1000, maxBodyBytes: 2 ** 20, shutdownTimeoutMs: 10_000, latencyWindow: 4096 };
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

interface Ctx {
  req: http.IncomingMessage;
  url: URL;
  res: http.ServerResponse;
}
type Handler = (c: Ctx) => Promise<unknown> | unknown;

/** Latencies of one route and method: counts by status, a ring of the latest latencies for the quantiles. */
class RouteStats {
  readonly statuses = new Map<number, number>();
  count = 0;
  sum = 0;
  private readonly ring: Float64Array;
  private filled = 0;
  private next = 0;
  constructor(readonly route: string, readonly method: string, window: number) {
    this.ring = new Float64Array(window);
  }
  add(status: number, seconds: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    this.count++;
    this.sum += seconds;
    this.ring[this.next] = seconds;
    this.next = (this.next + 1) % this.ring.length;
    this.filled = Math.min(this.filled + 1, this.ring.length);
  }
  snapshot(): RouteMetrics {
    const s = this.ring.slice(0, this.filled).sort();
    const q = (p: number) => (s.length ? s[Math.max(0, Math.ceil(p * s.length) - 1)] : 0);
    return {
      route: this.route, method: this.method, statuses: Object.fromEntries([...this.statuses].map(([k, v]) => [String(k), v])),
      count: this.count, sumSeconds: this.sum, quantiles: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s.length ? s[s.length - 1] : 0 },
    };
  }
}

function positiveInt(v: number | undefined, fallback: number, name: string): number {
  const x = v ?? fallback;
  if (!Number.isSafeInteger(x) || x < 1) throw new RangeError(`createServer: ${name} must be a positive integer, got ${String(v)}`);
  return x;
}

class Server implements ModelServer {
  readonly http: http.Server;
  readonly closed: Promise<void>;
  private current: { model: Model; runDir: string | null; generation: number };
  private readonly o: Required<Omit<ServerOptions, 'log'>> & { log: (line: string) => void };
  private readonly stats = new Map<string, RouteStats>();
  private readonly started = Date.now();
  private inFlight = 0;
  private reloads = 0;
  private failedReloads = 0;
  private unknownUsers = 0;
  private reloading: Promise<ReloadInfo> | null = null;
  private closing: Promise<void> | null = null;
  private resolveClosed!: () => void;
  private readonly routes: Record<string, Record<string, Handler>>;

  constructor(model: Model, runDir: string | null, opts: ServerOptions) {
    if (!(model instanceof Model)) throw new TypeError('createServer: expected a Model (Model.load(runDir)) or a run folder path');
    this.o = {
      maxK: positiveInt(opts.maxK, DEFAULTS.maxK, 'maxK'),
      defaultK: positiveInt(opts.defaultK, DEFAULTS.defaultK, 'defaultK'),
      maxBatch: positiveInt(opts.maxBatch, DEFAULTS.maxBatch, 'maxBatch'),
      maxBodyBytes: positiveInt(opts.maxBodyBytes, DEFAULTS.maxBodyBytes, 'maxBodyBytes'),
      shutdownTimeoutMs: positiveInt(opts.shutdownTimeoutMs, DEFAULTS.shutdownTimeoutMs, 'shutdownTimeoutMs'),
      latencyWindow: positiveInt(opts.latencyWindow, DEFAULTS.latencyWindow, 'latencyWindow'),
      admin: opts.admin ?? false,
      resident: opts.resident ?? true,
      log: opts.log ?? (() => {}),
    };
    if (this.o.defaultK > this.o.maxK) throw new RangeError(`createServer: defaultK ${this.o.defaultK} is above maxK ${this.o.maxK}`);
    if (this.o.resident) model.resident();
    this.current = { model, runDir, generation: 1 };
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.routes = {
      '/recommend': { GET: (c) => this.getRecommend(c), POST: (c) => this.postRecommend(c) },
      '/similar': { GET: (c) => this.getSimilar(c) },
      '/health': { GET: (c) => this.health(c) },
      '/metrics': { GET: (c) => this.metricsRoute(c) },
      '/admin/reload': { POST: (c) => this.adminReload(c) },
    };
    this.http = http.createServer((req, res) => void this.handle(req, res));
    // A slow or stalled client cannot hold a request open for long.
    this.http.requestTimeout = 30_000;
    this.http.headersTimeout = 10_000;
  }

  get model(): Model {
    return this.current.model;
  }
  get runDir(): string | null {
    return this.current.runDir;
  }
  get generation(): number {
    return this.current.generation;
  }

  listen(opts: ListenOptions = {}): Promise<{ host: string; port: number; url: string }> {
    const port = opts.port ?? 8080;
    const host = opts.host ?? '127.0.0.1';
    if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.reject(new RangeError(`listen: port must be an integer in 0..65535, got ${String(port)}`));
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.http.once('error', onError);
      this.http.listen(port, host, () => {
        this.http.off('error', onError);
        const a = this.http.address() as AddressInfo;
        const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        resolve({ host: a.address, port: a.port, url: `http://${h}:${a.port}` });
      });
    });
  }

  // ------------------------------------------------------------------------------------------ request handling
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = performance.now();
    this.inFlight++;
    const method = METHODS.has(req.method ?? '') ? req.method! : 'OTHER';
    let route = 'other';
    res.once('close', () => {
      this.inFlight--;
      this.record(route, method, res.statusCode, (performance.now() - t0) / 1000);
      if (this.closing) this.http.closeIdleConnections();
    });
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const methods = this.routes[url.pathname];
      if (!methods) throw new HttpError(404, `no route ${url.pathname}; routes: ${Object.keys(this.routes).join(', ')}`);
      route = url.pathname;
      const h = methods[req.method ?? ''];
      if (!h) {
        const allow = Object.keys(methods).join(', ');
        throw new HttpError(405, `${req.method} ${url.pathname}: method not allowed (allowed: ${allow})`, { allow });
      }
      const out = await h({ req, url, res });
      if (!res.headersSent) this.send(res, 200, out);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) this.send(res, e.status, { error: e.message }, e.headers);
      else this.send(res, 500, { error: `internal error: ${(e as Error)?.message ?? String(e)}` });
      if (e instanceof HttpError && e.status === 413) req.resume(); // discard the rest; the connection closes after the answer
    }
  }

  private send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json; charset=utf-8'): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body) + '\n';
    const h: Record<string, string | number> = {
      'content-type': type, 'content-length': Buffer.byteLength(text), 'x-hardneg-generation': this.current.generation, ...headers,
    };
    // While closing, and after a refused body, the connection is not kept for another request.
    if (this.closing || status === 413) h.connection = 'close';
    res.writeHead(status, h);
    res.end(text);
  }

  private record(route: string, method: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let s = this.stats.get(key);
    if (!s) this.stats.set(key, (s = new RouteStats(route, method, this.o.latencyWindow)));
    s.add(status, seconds);
  }

  // ------------------------------------------------------------------------------------------ parameters
  private params(url: URL, allowed: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of url.searchParams) {
      if (!allowed.includes(k)) throw new HttpError(400, `unknown query parameter '${k}' (${url.pathname} takes: ${allowed.join(', ')})`);
      if (out.has(k)) throw new HttpError(400, `query parameter '${k}' given twice${k === 'user' ? ' (for several users, POST /recommend { "users": [...] })' : ''}`);
      out.set(k, v);
    }
    return out;
  }

  private k(v: unknown, where: string): number {
    if (v === undefined) return this.o.defaultK;
    const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
      throw new HttpError(400, `${where}: k must be a positive integer, got ${JSON.stringify(v)}`);
    }
    if (n > this.o.maxK) throw new HttpError(400, `${where}: k = ${n} is above this server's limit of ${this.o.maxK} (maxK, --max-k)`);
    return n;
  }

  private exclude(v: unknown, where: string): 'train' | 'none' {
    if (v === undefined) return 'train';
    if (v !== 'train' && v !== 'none') throw new HttpError(400, `${where}: exclude must be "train" or "none", got ${JSON.stringify(v)}`);
    return v;
  }

  private id(v: unknown, what: string): string {
    // JSON numbers are accepted for ids that are integers (ids are strings; 196 and "196" are the same user).
    if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    if (typeof v !== 'string') throw new HttpError(400, `${what} must be an id (a string, e.g. "196"), got ${JSON.stringify(v) ?? String(v)}`);
    if (v.length === 0) throw new HttpError(400, `${what} is empty`);
    return v;
  }

  private async jsonBody(req: http.IncomingMessage, required: boolean): Promise<Record<string, unknown> | null> {
    const type = req.headers['content-type'];
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
      throw new HttpError(415, `the body must be JSON (content-type application/json), got content-type '${type}'` +
        (/form-urlencoded/i.test(type) ? ` (curl -d sends that: add -H 'content-type: application/json')` : ''));
    }
    const max = this.o.maxBodyBytes;
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > max) {
      throw new HttpError(413, `the body is ${declared} bytes; this server takes at most ${max} (maxBodyBytes, --max-body)`);
    }
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let n = 0;
      let done = false;
      req.on('data', (c: Buffer) => {
        if (done) return;
        n += c.length;
        if (n > max) {
          done = true;
          reject(new HttpError(413, `the body is over ${max} bytes, this server's limit (maxBodyBytes, --max-body)`));
        } else chunks.push(c);
      });
      req.once('end', () => {
        if (!done) {
          done = true;
          resolve(Buffer.concat(chunks, n).toString('utf8'));
        }
      });
      req.once('error', (e) => {
        if (!done) {
          done = true;
          reject(e);
        }
      });
    });
    if (text.trim() === '') {
      if (required) throw new HttpError(400, 'the body is empty; expected a JSON object');
      return null;
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new HttpError(400, `the body is not valid JSON: ${(e as Error).message}`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, `the body must be a JSON object, got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)}`);
    return v as Record<string, unknown>;
  }

  private static keys(body: Record<string, unknown>, allowed: readonly string[], where: string): void {
    for (const k of Object.keys(body)) {
      if (!allowed.includes(k)) throw new HttpError(400, `${where}: unknown key '${k}' (keys: ${allowed.join(', ')})`);
    }
  }

  // ------------------------------------------------------------------------------------------ routes
  /** One entry per requested user, in order: known users in one top-K call, unknown ones the popular items. */
  private answer(users: string[], k: number, exclude: ExcludeOption): Array<{ user: string; known: boolean; fallback: 'popular' | null; items: Array<{ item: string; score: number }> }> {
    const model = this.current.model; // taken once: the whole answer comes from one model even across a reload
    const known = users.filter((u) => model.hasUser(u));
    const recs = known.length ? model.recommend(known, { k, exclude }) : [];
    const popular = known.length < users.length ? model.popularItems(k) : null;
    this.unknownUsers += users.length - known.length;
    let r = 0;
    return users.map((user) => {
      const list = model.hasUser(user) ? recs[r++] : popular!;
      return {
        user, known: list !== popular, fallback: list === popular ? 'popular' as const : null,
        items: list.items.map((item, j) => ({ item, score: list.scores[j] })),
      };
    });
  }

  private getRecommend({ url }: Ctx): unknown {
    const p = this.params(url, ['user', 'k', 'exclude']);
    if (!p.has('user')) throw new HttpError(400, 'GET /recommend needs ?user=ID (an original user id)');
    const user = this.id(p.get('user'), 'user');
    const k = this.k(p.get('k'), 'GET /recommend');
    return this.answer([user], k, this.exclude(p.get('exclude'), 'GET /recommend'))[0];
  }

  private async postRecommend({ req, url }: Ctx): Promise<unknown> {
    this.params(url, []);
    const body = (await this.jsonBody(req, true))!;
    Server.keys(body, ['users', 'k', 'exclude'], 'POST /recommend');
    if (!Array.isArray(body.users)) throw new HttpError(400, `POST /recommend: 'users' must be an array of user ids, got ${JSON.stringify(body.users) ?? 'nothing'}`);
    if (body.users.length > this.o.maxBatch) {
      throw new HttpError(400, `POST /recommend: ${body.users.length} users; this server takes at most ${this.o.maxBatch} per request (maxBatch, --max-batch)`);
    }
    const users = body.users.map((u, i) => this.id(u, `POST /recommend: users[${i}]`));
    const k = this.k(body.k, 'POST /recommend');
    const results = this.answer(users, k, this.exclude(body.exclude, 'POST /recommend'));
    return { k, results };
  }

  private getSimilar({ url }: Ctx): unknown {
    const p = this.params(url, ['item', 'k']);
    if (!p.has('item')) throw new HttpError(400, 'GET /similar needs ?item=ID (an original item id)');
    const item = this.id(p.get('item'), 'item');
    const k = this.k(p.get('k'), 'GET /similar');
    const model = this.current.model;
    if (!model.hasItem(item)) throw new HttpError(404, `no item with id ${JSON.stringify(item)} (the model has ${model.numItems} items)`);
    const s = model.similarItems(item, k);
    return { item, items: s.items.map((it, j) => ({ item: it, score: s.scores[j] })) };
  }

  private health({ url, res }: Ctx): unknown {
    this.params(url, []);
    const m = this.current.model;
    const body = {
      status: this.closing ? 'shutting-down' : 'ok', generation: this.current.generation, run: this.current.runDir,
      users: m.numUsers, items: m.numItems, dim: m.dim, fingerprint: m.fingerprint, popularity: m.popularitySource,
      inFlight: this.inFlight, uptimeSeconds: (Date.now() - this.started) / 1000,
    };
    if (this.closing) this.send(res, 503, body);
    return body;
  }

  metrics(): MetricsSnapshot {
    return {
      generation: this.current.generation, reloads: this.reloads, failedReloads: this.failedReloads, unknownUsers: this.unknownUsers,
      inFlight: this.inFlight, uptimeSeconds: (Date.now() - this.started) / 1000,
      routes: [...this.stats.values()].map((s) => s.snapshot()),
    };
  }

  private metricsRoute({ url, res }: Ctx): unknown {
    const p = this.params(url, ['format']);
    const format = p.get('format') ?? 'prometheus';
    if (format !== 'prometheus' && format !== 'json') throw new HttpError(400, `GET /metrics: format must be "prometheus" or "json", got ${JSON.stringify(format)}`);
    const m = this.metrics();
    if (format === 'json') return m;
    const lines: string[] = [];
    const lbl = (r: RouteMetrics, extra = '') => `route="${r.route}",method="${r.method}"${extra}`;
    lines.push('# HELP hardneg_requests_total HTTP requests answered, by route, method and status.', '# TYPE hardneg_requests_total counter');
    for (const r of m.routes) for (const [s, n] of Object.entries(r.statuses)) lines.push(`hardneg_requests_total{${lbl(r, `,status="${s}"`)}} ${n}`);
    lines.push(`# HELP hardneg_request_duration_seconds Latency from receipt to the last byte, quantiles over the latest ${this.o.latencyWindow} requests.`,
      '# TYPE hardneg_request_duration_seconds summary');
    for (const r of m.routes) {
      for (const [q, v] of [['0.5', r.quantiles.p50], ['0.9', r.quantiles.p90], ['0.99', r.quantiles.p99]] as const) {
        lines.push(`hardneg_request_duration_seconds{${lbl(r, `,quantile="${q}"`)}} ${v}`);
      }
      lines.push(`hardneg_request_duration_seconds_sum{${lbl(r)}} ${r.sumSeconds}`, `hardneg_request_duration_seconds_count{${lbl(r)}} ${r.count}`);
    }
    lines.push('# HELP hardneg_unknown_users_total Users answered with the popular-items fallback.', '# TYPE hardneg_unknown_users_total counter',
      `hardneg_unknown_users_total ${m.unknownUsers}`);
    lines.push('# HELP hardneg_model_generation The model answering (1, then one more per reload).', '# TYPE hardneg_model_generation gauge',
      `hardneg_model_generation ${m.generation}`);
    lines.push('# HELP hardneg_reloads_total Reloads, by outcome.', '# TYPE hardneg_reloads_total counter',
      `hardneg_reloads_total{outcome="ok"} ${m.reloads}`, `hardneg_reloads_total{outcome="failed"} ${m.failedReloads}`);
    lines.push('# HELP hardneg_in_flight_requests Requests being answered.', '# TYPE hardneg_in_flight_requests gauge', `hardneg_in_flight_requests ${m.inFlight}`);
    this.send(res, 200, lines.join('\n') + '\n', {}, 'text/plain; version=0.0.4; charset=utf-8');
    return null;
  }

  private async adminReload({ req, url }: Ctx): Promise<unknown> {
    this.params(url, []);
    if (!this.o.admin) throw new HttpError(403, 'POST /admin/reload is off; start the server with admin: true (hardneg serve --admin), or send it SIGHUP');
    const body = await this.jsonBody(req, false);
    if (body) Server.keys(body, ['run'], 'POST /admin/reload');
    const run = body?.run;
    if (run !== undefined && (typeof run !== 'string' || run === '')) throw new HttpError(400, `POST /admin/reload: 'run' must be a run folder path, got ${JSON.stringify(run)}`);
    if (this.reloading) throw new HttpError(409, 'a reload is already in progress');
    try {
      return await this.reload(run);
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, `reload failed, the model of generation ${this.current.generation} goes on answering: ${(e as Error).message}`);
    }
  }

  // ------------------------------------------------------------------------------------------ reload and close
  reload(runDir?: string): Promise<ReloadInfo> {
    if (this.reloading) return Promise.reject(new HttpError(409, 'a reload is already in progress'));
    if (this.closing) return Promise.reject(new HttpError(503, 'the server is shutting down'));
    const dir = runDir ?? this.current.runDir;
    if (dir === null) return Promise.reject(new HttpError(400, 'this server was given a model, not a run folder: name the run folder to load'));
    const t0 = performance.now();
    const p = (async () => {
      try {
        const next = await Model.loadAsync(dir);
        if (this.closing) throw new HttpError(503, 'the server shut down while the new model was loading');
        if (this.o.resident) next.resident();
        const old = this.current;
        // The swap: one assignment. Every request takes the model when its (synchronous) computation starts, so
        // none is using the old one after this line, and its heap copies can go.
        this.current = { model: next, runDir: dir, generation: old.generation + 1 };
        if (this.o.resident) old.model.release();
        this.reloads++;
        const info: ReloadInfo = { generation: this.current.generation, run: dir, users: next.numUsers, items: next.numItems, seconds: (performance.now() - t0) / 1000 };
        this.o.log(`reloaded ${dir}: generation ${info.generation}, ${info.users} users, ${info.items} items (${info.seconds.toFixed(2)} s)`);
        return info;
      } catch (e) {
        this.failedReloads++;
        this.o.log(`reload of ${dir} failed, generation ${this.current.generation} goes on: ${(e as Error).message}`);
        throw e;
      } finally {
        this.reloading = null;
      }
    })();
    this.reloading = p;
    return p;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.o.log(`shutting down: ${this.inFlight} request(s) in flight`);
    this.closing = new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.o.resident) this.current.model.release();
        this.o.log('closed');
        resolve();
        this.resolveClosed();
      };
      const timer = setTimeout(() => {
        this.o.log(`requests still open after ${this.o.shutdownTimeoutMs} ms: closing their connections`);
        this.http.closeAllConnections();
      }, this.o.shutdownTimeoutMs);
      timer.unref();
      if (!this.http.listening) {
        finish();
        return;
      }
      this.http.close(() => finish());
      this.http.closeIdleConnections();
    });
    return this.closing;
  }

  /** Cuts every connection now (a second signal during a graceful close). */
  forceClose(): void {
    this.http.closeAllConnections();
  }
}

/**
 * An HTTP server answering from `model` (not yet listening: call listen()). `runDir` is the folder reload()
 * re-reads by default. With `resident` (the default) the server calls model.resident() and releases it when the
 * model is replaced or the server closes.
 */
export function createServer(model: Model, opts: ServerOptions & { runDir?: string } = {}): ModelServer {
  return new Server(model, opts.runDir ?? null, opts);
}

/**
 * Loads the run folder, starts the server and listens (default 127.0.0.1:8080). With `signals`, SIGINT/SIGTERM
 * close it gracefully (a second one cuts open connections) and SIGHUP reloads the folder.
 */
export async function serve(runDir: string, opts: ServeOptions = {}): Promise<ModelServer & { url: string; port: number; host: string }> {
  const model = await Model.loadAsync(runDir);
  const server = createServer(model, { ...opts, runDir });
  // One call before the first request, so that request does not pay for the kernels' start-up and compilation.
  if (model.numUsers > 0) model.recommend([model.userIds[0]], { k: 1 });
  let addr;
  try {
    addr = await server.listen({ port: opts.port, host: opts.host });
  } catch (e) {
    await server.close();
    throw e;
  }
  if (opts.signals) {
    const log = opts.log ?? (() => {});
    let stops = 0;
    const stop = (sig: NodeJS.Signals) => {
      if (++stops > 1) {
        log(`${sig} again: closing open connections`);
        (server as Server).forceClose();
        return;
      }
      log(`${sig}: finishing in-flight requests`);
      void server.close();
    };
    const hup = () => {
      log('SIGHUP: reloading');
      server.reload().catch(() => {}); // reload() logs the failure; the old model goes on
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', hup);
    void server.closed.then(() => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.off('SIGHUP', hup);
    });
  }
  return Object.assign(server, addr);
}
