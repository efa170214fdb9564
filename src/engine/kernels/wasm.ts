// Placeholder until the WASM SIMD backend lands (owned by the kernels work): see docs/contracts.md.
import type { Kernels } from './types.js';

export function createWasmKernels(_threads: number): Kernels {
  throw new Error('wasm kernels not built yet');
}
