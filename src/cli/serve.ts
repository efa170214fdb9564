// `hardneg serve RUN_DIR`: the run's model over HTTP (serving/server.ts) until SIGINT/SIGTERM, which let in-flight
// requests finish; SIGHUP reloads the folder (e.g. after `hardneg train --out RUN_DIR --force` wrote a new model).
import { setThreads } from '../engine/kernels/index.js';
import { MAX_THREADS } from '../engine/kernels/pool.js';
import { checkFinished } from '../experiments/runStore.js';
import { serve } from '../serving/server.js';
import { UsageError, commandFlags } from './common.js';

const USAGE = `usage: hardneg serve RUN_DIR [options]

Serves a finished run's model over HTTP (JSON), by original user and item ids, from the run folder alone.

  GET  /recommend?user=ID[&k=N][&exclude=train|none]   top-k items of one user; the user's training (and
                                                       validation) items are excluded unless exclude=none
  POST /recommend  {"users": [ID, ...], "k": N, "exclude": "train"|"none"}   a batch
  GET  /similar?item=ID[&k=N]                          items most similar to an item (cosine)
  GET  /health                                         model and server state (503 while shutting down)
  GET  /metrics[?format=json]                          request counts, latency quantiles (Prometheus text)
  POST /admin/reload  {"run": DIR}                     load DIR (default: RUN_DIR) and swap it in (--admin only)

A user the model does not know gets the items with the most training interactions ("known": false,
"fallback": "popular"; their "score" is that count). Bad requests get a 4xx answer {"error": "..."}.
SIGINT/SIGTERM: stop accepting, finish in-flight requests, exit (a second signal closes open connections).
SIGHUP: reload RUN_DIR without dropping requests (the new model is loaded off the event loop, then swapped in).

  --port N              port (default 8080; 0: any free port, printed)
  --host ADDR           address to listen on (default 127.0.0.1: this machine only)
  --max-k N             the largest k a request may ask for (default 100)
  --max-batch N         the most users in one POST /recommend (default 1000)
  --max-body BYTES      the largest request body (default 1048576)
  --admin               answer POST /admin/reload (it loads any folder the server can read: keep it local)
  --threads N           kernel threads (default: every core, or $HARDNEG_THREADS)
  -q, --quiet           no log lines on stderr
  -h, --help`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'max-k': { type: 'string' },
  'max-batch': { type: 'string' },
  'max-body': { type: 'string' },
  admin: { type: 'boolean' },
  threads: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

function intFlag(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(String(v)) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name}: expected an integer in [${min}, ${max}], got '${String(v)}'`);
  }
  return n;
}

export async function run(argv: string[]): Promise<number> {
  let opts: { port?: number; maxK?: number; maxBatch?: number; maxBody?: number; threads?: number } = {};
  const f = commandFlags('serve', USAGE, argv, OPTIONS, ({ positionals, values }) => {
    if (positionals.length !== 1) throw new UsageError('expected one RUN_DIR');
    opts = {
      port: intFlag(values, 'port', 0, 65535),
      maxK: intFlag(values, 'max-k', 1, 1_000_000),
      maxBatch: intFlag(values, 'max-batch', 1, 1_000_000),
      maxBody: intFlag(values, 'max-body', 1, 2 ** 30),
      threads: intFlag(values, 'threads', 1, MAX_THREADS),
    };
    if (values.host !== undefined && String(values.host).trim() === '') throw new UsageError('--host: empty');
  });
  if (typeof f === 'number') return f;
  const { values, positionals } = f;
  const dir = positionals[0];
  if (opts.threads !== undefined) setThreads(opts.threads);
  checkFinished(dir); // a missing, unfinished or still-written folder: a RunFolderError (exit 2)
  const log = values.quiet ? () => {} : (line: string) => process.stderr.write(`hardneg serve: ${line}\n`);
  let server;
  try {
    server = await serve(dir, {
      port: opts.port, host: values.host as string | undefined, maxK: opts.maxK, maxBatch: opts.maxBatch, maxBodyBytes: opts.maxBody,
      admin: values.admin === true, signals: true, log,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
      throw new UsageError(`cannot listen on ${String(values.host ?? '127.0.0.1')}:${opts.port ?? 8080}: ${err.message}`);
    }
    throw new UsageError(`${dir}: ${err.message}`);
  }
  const m = server.model;
  process.stdout.write(`hardneg serve: listening on ${server.url} (${dir}: ${m.numUsers} users, ${m.numItems} items, dim ${m.dim})\n`);
  await server.closed;
  return 0;
}
