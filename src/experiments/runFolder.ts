// Run folders are owned while a process writes them, and written so that they never look finished when they are not.
//
// - Lock: `.hardneg.lock` (JSON: pid, host, start time), created with O_EXCL before anything else is written and
//   removed when the writer finishes (or its process exits). A second writer (a training or a resume) with the same
//   folder is refused with the holder's PID. A lock whose process is gone (killed with SIGKILL, a crash) is stale and
//   taken over.
// - Ownership: a folder that already holds a run (config.json, metrics.jsonl, summary.json, model.safetensors or a
//   checkpoint) is refused for a new run unless `force`, which first removes the old run's files (so the old
//   summary can never pass for the new run's).
// - Atomic files: every run file is written to a temporary name and renamed over the final one, so a kill leaves the
//   old version or the new one, never half of one. The trainer writes the summary last (runStore.ts), so a folder
//   with summary.json is a finished run.
// - Write errors (disk full, permission denied, read-only) are RunWriteErrors naming the file and saying how to go
//   on (the checkpoint, when one exists, is kept: `hardneg train --resume DIR`).
import { closeSync, linkSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, unlinkSync, writeFileSync, writeSync, appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RunFolderError, RunWriteError, writeError } from '../io/runErrors.js';

export { RunFolderError, RunWriteError, writeError };

export const LOCK_FILE = '.hardneg.lock';
/** Files that make a folder a run (written by a training). */
export const RUN_FILES = ['config.json', 'dataset.json', 'metrics.jsonl', 'summary.json', 'summary.md', 'model.safetensors', 'per_user.safetensors', 'checkpoint.safetensors', 'ids.json', 'exclude.safetensors'] as const;

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return Number.isInteger(v?.pid) ? v : null;
  } catch {
    return null;
  }
}

/** Folders this process holds (a second hold of the same folder in this process is refused too). */
const held = new Map<string, { path: string; token: string }>();
let exitHook = false;

/** Who holds the folder's lock, when a live process does. */
export function lockHolder(dir: string): LockInfo | null {
  const info = readLock(join(dir, LOCK_FILE));
  if (!info) return null;
  if (info.host === hostname() && !alive(info.pid)) return null;
  if (info.pid === process.pid && !held.has(dir)) return null;
  return info;
}

export interface RunLock {
  readonly dir: string;
  release(): void;
}

/** Takes the folder's lock (creating the folder), or throws a RunFolderError naming the holder. */
export function acquireRunLock(dir: string): RunLock {
  if (held.has(dir)) {
    throw new RunFolderError(dir, `run folder '${dir}' is being written by this process (pid ${process.pid}): ` +
      'one writer per run folder', process.pid);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw writeError(dir, e, dir);
  }
  const path = join(dir, LOCK_FILE);
  const token = `${process.pid}-${Date.now()}-${Math.random()}`;
  const info = JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString(), token }) + '\n';
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(path, e, dir);
      const other = readLock(path);
      // Unreadable: a writer between its open and its write (wait a moment), or a lock cut short by a kill.
      if (other === null && attempt < 3) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      const stale = other === null || (other.host === hostname() && !alive(other.pid)) || other.pid === process.pid;
      if (!stale || attempt > 5) {
        const who = other ? `process ${other.pid}${other.host !== hostname() ? ` on ${other.host}` : ''} (since ${other.started})` : 'another process';
        throw new RunFolderError(dir, `run folder '${dir}' is being written by ${who}: wait for it to finish or stop it ` +
          `(a lock left by a process that is gone is taken over; ${path})`, other?.pid ?? null);
      }
      // Stale (its process is gone): take it over by moving it aside, then checking that what moved is the stale
      // lock and not one a faster process just created in its place (that one is put back, and seen next round).
      const grave = `${path}.stale-${token}`;
      try {
        renameSync(path, grave);
      } catch {
        continue;
      }
      const moved = readLock(grave);
      if (other !== null && (moved?.pid !== other.pid || moved?.started !== other.started)) {
        try {
          linkSync(grave, path);
        } catch {
          // a third process holds it now
        }
      }
      rmSync(grave, { force: true });
      continue;
    }
    try {
      writeSync(fd, info);
    } finally {
      closeSync(fd);
    }
    break;
  }
  held.set(dir, { path, token });
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const [d] of held) releaseLock(d);
    });
  }
  return { dir, release: () => releaseLock(dir) };
}

function releaseLock(dir: string): void {
  const h = held.get(dir);
  if (!h) return;
  held.delete(dir);
  try {
    if (readFileSync(h.path, 'utf8').includes(h.token)) unlinkSync(h.path);
  } catch {
    // already gone
  }
}

/** What the folder holds: nothing, a finished run, or an unfinished one (with or without a checkpoint). */
export function runState(dir: string): 'empty' | 'finished' | 'resumable' | 'incomplete' {
  if (!existsSync(dir)) return 'empty';
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return 'empty';
  }
  if (!RUN_FILES.some((f) => files.includes(f))) return 'empty';
  if (files.includes('checkpoint.safetensors')) return 'resumable';
  if (files.includes('summary.json')) return 'finished';
  return 'incomplete';
}

export interface RunFolderOptions {
  /** Continuing the run in the folder (it must hold one). */
  resume?: boolean;
  /** Replace a run the folder already holds. */
  force?: boolean;
}

/**
 * Runs `fn` while holding `dir` (undefined: no folder, `fn` runs as is). A folder that holds a run is refused
 * unless resuming or `force` (which first removes the old run's files). A folder this call created and that is
 * still empty when `fn` fails is removed again, so a refused run leaves nothing behind.
 */
export async function withRunFolder<T>(dir: string | undefined, opts: RunFolderOptions, fn: () => Promise<T>): Promise<T> {
  if (dir === undefined) return fn();
  const existed = existsSync(dir);
  const lock = acquireRunLock(dir);
  try {
    if (!opts.resume) claimForNewRun(dir, opts.force === true);
  } catch (e) {
    lock.release();
    throw e;
  }
  try {
    return await fn();
  } catch (e) {
    if (!existed) removeIfEmpty(dir);
    throw e;
  } finally {
    lock.release();
  }
}

/**
 * The checks of withRunFolder without taking anything (the CLI runs them before loading data): a live writer, or a
 * run already in the folder (unless resuming or `force`).
 */
export function checkRunFolder(dir: string, opts: RunFolderOptions): void {
  const h = lockHolder(dir);
  if (h) {
    throw new RunFolderError(dir, `run folder '${dir}' is being written by process ${h.pid} (since ${h.started}): wait for it ` +
      'to finish or stop it', h.pid);
  }
  if (!opts.resume) claimForNewRun(dir, opts.force === true, true);
}

/** Refuses a folder holding a run unless `force`, which removes that run's files (unless `dryRun`). */
export function claimForNewRun(dir: string, force: boolean, dryRun = false): void {
  const state = runState(dir);
  if (state === 'empty') return;
  if (!force) {
    const what = state === 'finished' ? 'a finished run' : state === 'resumable' ? 'an unfinished run with a checkpoint' : 'an incomplete run';
    const hint = state === 'resumable' ? `\`hardneg train --resume ${dir}\` continues it; ` : '';
    throw new RunFolderError(dir, `run folder '${dir}' already holds ${what}: ${hint}--force replaces it, or choose another --out`);
  }
  if (!dryRun) for (const f of RUN_FILES) rmSync(join(dir, f), { force: true, recursive: true });
}

function removeIfEmpty(dir: string): void {
  try {
    const left = readdirSync(dir).filter((f) => f !== LOCK_FILE);
    if (left.length === 0) {
      rmSync(join(dir, LOCK_FILE), { force: true });
      rmdirSync(dir);
    }
  } catch {
    // leave it
  }
}

// ---------------------------------------------------------------- writes that name the file

/** Writes `data` to `file` through a temporary file renamed over it (a kill leaves the old file or the new one). */
export function writeFileAtomic(file: string, data: string | Uint8Array, dir: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // not ours to remove (e.g. a directory in the way)
    }
    throw writeError(file, e, dir);
  }
}

/** Appends to `file`, naming it on failure. */
export function appendFileChecked(file: string, data: string, dir: string): void {
  try {
    appendFileSync(file, data);
  } catch (e) {
    throw writeError(file, e, dir);
  }
}
