// Draws a study's figure from the CSV it wrote, with hardneg's own chart path (`hardneg report --csv`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));

/** `hardneg report --csv CSV ...ARGS --out SVG`; exits with its status when it fails. */
export function chart(csv, svg, args) {
  const r = spawnSync(process.execPath, [CLI, 'report', '--csv', csv, ...args, '--out', svg, '-q'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
