// Compiles assembly/*.ts (AssemblyScript) into dist/wasm/*.wasm. The kernels import one shared memory
// ("env.memory") owned by src/engine/memory.ts, use no AssemblyScript runtime (no GC, no allocation) and
// work on raw byte offsets, so the same module can be instantiated on every worker thread over that memory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'wasm');
mkdirSync(out, { recursive: true });
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
// Each source is built twice: NAME.wasm (plain SIMD) and NAME-fma.wasm (relaxed SIMD: the kernels' `madd` becomes
// f32x4.relaxed_madd, a fused multiply-add). The engine picks one at run time (src/engine/kernels/wasm.ts).
for (const f of readdirSync(join(root, 'assembly'))) {
  if (!f.endsWith('.ts') || f.endsWith('.d.ts')) continue;
  const name = f.slice(0, -3);
  for (const [suffix, extra] of [['', []], ['-fma', ['--enable', 'relaxed-simd']]]) {
    execFileSync(process.execPath, [asc, join('assembly', f),
      '--outFile', join(out, `${name}${suffix}.wasm`),
      '-O3', '--noAssert', '--runtime', 'stub',
      '--importMemory', '--sharedMemory', '--initialMemory', '32', '--maximumMemory', '65536',
      '--enable', 'simd', '--enable', 'threads', ...extra,
    ], { cwd: root, stdio: 'inherit' });
  }
}
