// Writes src/experiments/configTypes.generated.ts from the registries (run after `npm run build:ts`; the npm script
// `gen:config-types` does both). `--check` exits 1 when the file is stale instead of writing it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const { configTypesSource } = await import(join(root, 'dist/src/experiments/configTypesSource.js'));
const file = join(root, 'src/experiments/configTypes.generated.ts');
const text = configTypesSource();
let old = '';
try {
  old = readFileSync(file, 'utf8');
} catch {
  // first generation
}
if (process.argv.includes('--check')) {
  if (old !== text) {
    console.error(`${file} is stale: run npm run gen:config-types`);
    process.exit(1);
  }
} else if (old !== text) {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
} else console.log(`${file} is up to date`);
