/**
 * Options every worker thread of hardneg is started with.
 *
 * A worker inherits the parent's `process.execArgv`. Node 26 refuses `--input-type` in a worker (it applies only to
 * `--eval`/STDIN input, and a worker's entry is a file), so a program started as `node --input-type=module -e …`
 * that trains with two threads or reloads a model in the background would die with ERR_INPUT_TYPE_NOT_ALLOWED. We
 * drop that flag (both the `=value` and the two-token form) and keep every other inherited option.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
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
