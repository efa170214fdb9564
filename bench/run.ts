// `npm run bench -- <name> [args]`: runs bench/<name>.ts (compiled), which exports `main(argv)`.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [--json]`);
  process.exit(name ? 2 : 0);
}
const mod = (await import(`./${name}.js`)) as { main(argv: string[]): Promise<number | void> };
const code = await mod.main(rest);
process.exit(typeof code === 'number' ? code : 0);
