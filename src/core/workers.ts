/**
 * How every worker thread of hardneg is started.
 *
 * A worker inherits the parent's `process.execArgv`. Node 26 refuses `--input-type` in a worker (it applies only to
 * `--eval`/STDIN input, and a worker's entry is a file), so a program started as `node --input-type=module -e …`
 * that trains with two threads or reloads a model in the background died with ERR_INPUT_TYPE_NOT_ALLOWED. Only then
 * do we pass an explicit list: the parent's options minus that flag. An explicit list is validated per flag (the
 * inherited one is not), and some inherited process-wide flags are refused there, so if it is refused we start the
 * worker with no options at all rather than not at all.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The parent's options without `--input-type` (both forms), or undefined when it has none (inherit as is). */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] | undefined {
  if (!execArgv.some((a) => a === '--input-type' || a.startsWith('--input-type='))) return undefined;
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if (a === '--input-type') {
      i++; // its value is the next token
      continue;
    }
    if (a.startsWith('--input-type=')) continue;
    out.push(a);
  }
  return out;
}

/** new Worker(url, options) with the execArgv above. */
export function startWorker(url: URL, options: WorkerOptions, execArgv: readonly string[] = process.execArgv): Worker {
  const argv = workerExecArgv(execArgv);
  if (!argv) return new Worker(url, options);
  try {
    return new Worker(url, { ...options, execArgv: argv });
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return new Worker(url, { ...options, execArgv: [] });
  }
}
