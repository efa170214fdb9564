// hardneg's public library entry: everything a program needs to load data, build models, train, evaluate and
// compare runs. Engine ops are exported as the `ops` namespace (their short names — mean, sum, exp — would clash).

// Engine
export {
  heap, Heap, Rng, AliasTable, Tensor, tidy, keep, noGrad, Parameter, xavierUniform, normal, constant,
  Adam, AdaGrad, SGD, createOptimizer, kernels, setBackend, setThreads, setKernelSet, backendInfo, wasmAvailable,
} from './engine/index.js';
export type { Shape, Optimizer, BackendName, Kernels, CsrMatrix } from './engine/index.js';
export * as ops from './engine/ops.js';

// Data
export * from './data/index.js';

// Models
export * from './encoders/index.js';
export { createLoss, lossNames, resolveLossName, bpr, softBpr, kPairSoftplus, marginHinge, sigmoidHinge,
  softplusPointwise, groupHinge } from './losses/index.js';
export type { LossFn, LossSpec } from './losses/index.js';
export {
  createSampler, samplerNames, drawCandidates, UniformSampler, PopularitySampler, DnsSampler, MixGcfSampler,
  DinsSampler, PdnsSampler, SrnsSampler,
} from './samplers/index.js';
export type { Sampler, SampleContext, Negatives, SamplerNeeds, SamplerState } from './samplers/index.js';

// Evaluation
export * from './evaluation/index.js';

// Training, experiments, run store, reports
export { train, checkCompatibility, randomRecall } from './training/trainer.js';
export type { RunResult, TrainOptions, TrainEvent, EvalRecord, EpochRecord, Evaluator } from './training/trainer.js';
export { interactionBatcher, userBatcher, type Batch, type Batcher } from './training/batching.js';
export { createTrainStep, type TrainStep, type TrainStepSetup, type StepResult } from './training/step.js';
export { carveValid, validCarveFor, VALID_STREAM, type ValidCarve } from './training/carve.js';
export { ModelSelector } from './training/selection.js';
export { streamProgress, silentProgress, type ProgressSink } from './training/progress.js';
export {
  ConfigError, validateConfig, deepMerge, parseConfigText, parseOverrides, type RunConfig, type DatasetConfig,
} from './experiments/config.js';
export { PRESETS, presetNames, resolveConfig, mergeConfig, DEFAULT_PRESET } from './experiments/presets.js';
export {
  RunWriter, readRun, readRunEmbeddings, readPerUser, defaultRunDir, summaryOf, type StoredRun, type RunSummary,
} from './experiments/runStore.js';
export { expandGrid, parseGridArg, summarizeSweep, type GridCell, type SweepRunRecord, type CellSummary } from './experiments/sweep.js';
export { compareRuns as compareRunTable, comparisonRows, averagePerUser, type ComparedRun, type Comparison } from './experiments/compare.js';
export { summaryMarkdown } from './report/markdown.js';
export { encodeSafetensors, decodeSafetensors, readSafetensors, writeSafetensors, type SafeTensor } from './io/safetensors.js';
export { recommend } from './cli/recommend.js';
