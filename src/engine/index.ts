// The engine's public API.
export { heap, Heap } from './memory.js';
export { Rng, AliasTable, KeyedRng, philox4x32 } from '../core/rng.js';
export { Tensor, tidy, keep, noGrad, isGradEnabled, shapeSize, type Shape } from './tensor.js';
export { Parameter, type ParameterOptions, type RowGrad } from './param.js';
export * from './ops.js';
export { xavierUniform, normal, constant } from './init.js';
export { Adam, AdaGrad, SGD, createOptimizer, type Optimizer, type OptimizerState, type AdamOptions,
  type AdaGradOptions, type SGDOptions } from './optim.js';
export { kernels, setBackend, setThreads, setKernelSet, backendInfo, wasmAvailable, jsKernels, type BackendName, type KernelSet, type KernelSetRequest } from './kernels/index.js';
export type { Kernels, CsrMatrix, AdamHyper } from './kernels/types.js';
