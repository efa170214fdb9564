// The other modules the trainer drives, imported in one place so the seams are visible (docs/contracts.md); the
// validation carve is in carve.ts.
export { tidy, keep, noGrad, Tensor } from '../engine/tensor.js';
export { Parameter } from '../engine/param.js';
export { gatherRows, reshape, add, scale } from '../engine/ops.js';
export { Adam, AdaGrad, SGD } from '../engine/optim.js';
export { heap } from '../engine/memory.js';
export { Rng } from '../core/rng.js';
export { backendInfo } from '../engine/kernels/index.js';
export { createEncoder } from '../encoders/index.js';
export type { Encoder, EncoderPass, EncoderEmbeddings } from '../encoders/types.js';
export { createSampler } from '../samplers/index.js';
export type { Sampler, Negatives, SampleContext } from '../samplers/types.js';
export { createLoss } from '../losses/index.js';
export type { LossFn, LossSpec } from '../losses/index.js';
export { evaluateFullRanking } from '../evaluation/fullRanking.js';
export type { EvalResult, EvalEmbeddings } from '../evaluation/fullRanking.js';
export { SamplerDiagnostics } from '../evaluation/diagnostics.js';
export type { EpochDiagnostics } from '../evaluation/diagnostics.js';
