import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repo root (tests run from dist/test/..., sources live at the root). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Path under the shared datasets folder (`../shared/data` beside the repo, or $HARDNEG_SHARED_DATA). */
export function sharedData(...parts: string[]): string {
  const base = process.env.HARDNEG_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
  return join(base, ...parts);
}

export function hasSharedData(...parts: string[]): boolean {
  return existsSync(sharedData(...parts));
}
