// The kernel builds usable here ('simd', and 'fma' where relaxed SIMD validates), and a 1-thread / 2-thread pair of
// WASM backends for one build, disposed after the file's tests (the 2-thread one splits even the smallest work).
import { after } from 'node:test';
import { createWasmKernels, fmaKernelsStatus, type KernelSet, type WasmKernels } from '../../src/engine/kernels/wasm.js';

export const KERNEL_SETS: KernelSet[] = fmaKernelsStatus().ok ? ['simd', 'fma'] : ['simd'];

export function kernelPair(set: KernelSet): { w1: WasmKernels; w2: WasmKernels } {
  const w1 = createWasmKernels(1, { kernels: set });
  const w2 = createWasmKernels(2, { minParallelWork: 0, kernels: set });
  after(() => {
    w1.dispose();
    w2.dispose();
  });
  return { w1, w2 };
}
