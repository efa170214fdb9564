// Runs the CLI (or a Node snippet) in a child process under a timeout, so a test of a hang, a crash or an
// out-of-memory abort cannot take the test runner down with it.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  /** True when the child was killed by the timeout (a hang). */
  timedOut: boolean;
}

/** `hardneg ARGS` in a child with a heap cap (so an allocation blow-up fails fast) and a timeout. */
export function cli(args: string[], opts: { timeoutMs?: number; env?: Record<string, string>; cwd?: string; heapMb?: number } = {}): ChildResult {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${opts.heapMb ?? 1024}`, CLI, ...args], {
    encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, cwd: opts.cwd,
    env: { ...process.env, HARDNEG_THREADS: '1', ...opts.env }, killSignal: 'SIGKILL',
  });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return { code: r.status, signal: r.signal, out: r.stdout ?? '', err: r.stderr ?? '', timedOut };
}

/** The same, asynchronously (for concurrent runs). */
export function cliAsync(args: string[], opts: { timeoutMs?: number; env?: Record<string, string>; cwd?: string } = {}): Promise<ChildResult> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--max-old-space-size=1024', CLI, ...args], {
      cwd: opts.cwd, env: { ...process.env, HARDNEG_THREADS: '1', ...opts.env },
    });
    let out = '';
    let err = '';
    let timedOut = false;
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => {
      timedOut = true;
      c.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    c.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, out, err, timedOut });
    });
  });
}

/** True when the output shows an uncaught exception's or a native crash's stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[(:]\d+/m.test(text) || /FATAL ERROR|Native stack trace|Abort|Segmentation/i.test(text);
}

/** Makes a FIFO (named pipe) at `path`; false when mkfifo is unavailable. */
export function mkfifo(path: string): boolean {
  const r = spawnSync('mkfifo', [path]);
  return r.status === 0;
}
