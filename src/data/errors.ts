// Loud data errors: every malformed input names the file, the 1-based line and the field at fault, so a user
// can open the file at that spot. The CLI prints them as `file:line: field: message`.

export class DataError extends Error {
  readonly file: string;
  /** 1-based line number; 0 when the problem is not tied to one line (empty file, missing file). */
  readonly line: number;
  readonly field: string;
  readonly detail: string;

  constructor(file: string, line: number, field: string, detail: string) {
    super(`${file}${line > 0 ? `:${line}` : ''}: ${field}: ${detail}`);
    this.name = 'DataError';
    this.file = file;
    this.line = line;
    this.field = field;
    this.detail = detail;
  }
}

export function isDataError(e: unknown): e is DataError {
  return e instanceof DataError;
}
