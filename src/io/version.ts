// The versions a run is made with: hardneg's (from the package's own package.json, read once) and Node's. A run
// folder records them (config.json `run.versions`, summary.json `versions`, summary.md) beside the kernel backend.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface RunVersions {
  hardneg: string;
  node: string;
}

let cached: string | undefined;

/** hardneg's version (package.json beside dist/ or src/; 'unknown' if it cannot be read). */
export function hardnegVersion(): string {
  if (cached === undefined) {
    try {
      // dist/src/io/version.js and src/io/version.ts both sit three levels below the package root.
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { name?: string; version?: string };
      cached = pkg.name === 'hardneg' && typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}

export function runVersions(): RunVersions {
  return { hardneg: hardnegVersion(), node: process.versions.node };
}
