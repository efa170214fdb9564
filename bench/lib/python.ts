// Finding a Python with PyTorch and running reference scripts as subprocesses that print one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface PythonInfo {
  /** Interpreter path. */
  python: string;
  /** torch.__version__, or null when torch cannot be imported. */
  torch: string | null;
  /** Why torch is unavailable (import error text), when it is. */
  reason?: string;
}

/** Interpreters tried in order: $HARDNEG_PYTHON, Debian's /usr/bin/python3 (python3-torch), python3 on PATH. */
export function pythonCandidates(): string[] {
  const list = [process.env.HARDNEG_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  return [...new Set(list)];
}

let cached: PythonInfo | null | undefined;

/** The first interpreter that imports torch; else the first working interpreter with torch null; else null. */
export function detectTorch(): PythonInfo | null {
  if (cached !== undefined) return cached;
  let fallback: PythonInfo | null = null;
  for (const py of pythonCandidates()) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    const r = spawnSync(py, ['-c', 'import torch,sys; sys.stdout.write(torch.__version__)'], {
      encoding: 'utf8', timeout: 60_000,
    });
    if (r.error) continue;
    if (r.status === 0) return (cached = { python: py, torch: r.stdout.trim() });
    fallback ??= { python: py, torch: null, reason: lastLine(r.stderr) || `exit ${r.status}` };
  }
  return (cached = fallback);
}

export interface PyRunOptions {
  /** Extra environment (e.g. OMP_NUM_THREADS). */
  env?: Record<string, string>;
  /** Kill after this long (default 10 minutes). */
  timeoutMs?: number;
}

/**
 * Runs `python script args...` and parses the last line of stdout that starts with '{' as JSON.
 * Throws with the interpreter's stderr when the script fails or prints no JSON.
 */
export function runPythonJson<T = unknown>(python: string, script: string, args: string[], opts: PyRunOptions = {}): T {
  const r = spawnSync(python, [script, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 600_000,
    maxBuffer: 64 << 20,
    env: { ...process.env, ...opts.env },
  });
  if (r.error) throw new Error(`${python} ${script}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${python} ${script} exited ${r.status}: ${tail(r.stderr, 2000)}`);
  const line = r.stdout.split('\n').reverse().find((l) => l.trimStart().startsWith('{'));
  if (!line) throw new Error(`${python} ${script} printed no JSON line; stderr: ${tail(r.stderr, 2000)}`);
  return JSON.parse(line) as T;
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}

function tail(s: string, n: number): string {
  return s.length > n ? '…' + s.slice(-n) : s;
}
