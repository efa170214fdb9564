// The errors of writing a run folder: a refusal to use one (held by another process, or holding a run), and a failed
// write naming the file and how to go on. In io/ because both the training layer (checkpoints) and the experiment
// layer (the run store) write run files.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A refusal to use a run folder (held by another process, or holding a run that would be overwritten). */
export class RunFolderError extends Error {
  readonly dir: string;
  readonly holderPid: number | null;
  constructor(dir: string, message: string, holderPid: number | null = null) {
    super(message);
    this.name = 'RunFolderError';
    this.dir = dir;
    this.holderPid = holderPid;
  }
}

/** A failed write into a run folder, naming the file and how to go on. */
export class RunWriteError extends Error {
  readonly file: string;
  readonly code: string;
  constructor(file: string, code: string, message: string) {
    super(message);
    this.name = 'RunWriteError';
    this.file = file;
    this.code = code;
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EACCES: 'permission denied', EPERM: 'permission denied',
  EROFS: 'read-only file system', EIO: 'input/output error', EFBIG: 'file too large', ENOENT: 'the folder is gone',
};

/** A RunWriteError for a failed write of `file` in run folder `dir`, with how to go on. */
export function writeError(file: string, e: unknown, dir: string): Error {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof RunWriteError || err instanceof RunFolderError) return err;
  if (!err?.code) return err as Error;
  const reason = REASONS[err.code] ?? err.message;
  const resumable = existsSync(join(dir, 'checkpoint.safetensors'));
  const next = resumable
    ? `the run's checkpoint is kept: fix this, then \`hardneg train --resume ${dir}\` continues the run`
    : `fix this and run it again (with --force to replace the unfinished folder)`;
  return new RunWriteError(file, err.code, `${file}: cannot write (${err.code}: ${reason}); ${next}`);
}

