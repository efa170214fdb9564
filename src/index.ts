// hardneg's public library entry: everything a program needs to load data, build models, train, evaluate and
// compare runs. Engine ops are exported as the `ops` namespace (their short names — mean, sum, exp — would clash).

// Engine
export {
  heap, Heap, Rng, AliasTable, KeyedRng, Tensor, tidy, keep, noGrad, Parameter, xavierUniform, normal, constant,
  Adam, AdaGrad, SGD, createOptimizer, kernels, setBackend, setThreads, setKernelSet, backendInfo, wasmAvailable,
} from './engine/index.js';
export type { Shape, Optimizer, BackendName, Kernels, CsrMatrix } from './engine/index.js';
// Fused ops defined outside the engine (also `ops.customOp`).
export { customOp } from './engine/index.js';
export type { CustomOpSpec, ForwardContext, BackwardContext, GradTarget } from './engine/index.js';
export * as ops from './engine/ops.js';

// Data
export * from './data/index.js';

// Models
export * from './encoders/index.js';
export { losses, buildLoss, createLoss, lossNames, resolveLossName, scoreLoss, bpr, softBpr, kPairSoftplus, marginHinge,
  sigmoidHinge, softplusPointwise, groupHinge, infoNce, enmf } from './losses/index.js';
export type { LossFn, LossSpec, Loss, LossEntry, LossInputs, LossNeeds, InfoNceOptions, Similarity, EnmfOptions,
  WholeDataInputs } from './losses/index.js';
export * from './samplers/index.js';

// Registries and their vocabulary (every encoder, sampler, loss and preset is listed in its registry)
export { Registry, type RegistryEntry } from './core/registry.js';
export { checkOptions, describeOptions, type OptionSchema, type OptionSpec } from './core/options.js';
export type { Streams } from './core/streams.js';
export type { ComponentState } from './core/state.js';

// Evaluation
export * from './evaluation/index.js';

// Training, experiments, run store, reports
export { train } from './experiments/run.js';
export { checkCompatibility } from './experiments/assemble.js';
export { protocolOf, evaluatorFor, sampledRandomRecall } from './evaluation/protocol.js';
export { randomRecall } from './evaluation/protocol.js';
export type { RunResult, TrainEvent, EvalRecord, EpochRecord } from './training/types.js';
export type { TrainOptions } from './experiments/run.js';
export type {
  TrainConfig, EncoderConfig, SamplerConfig, LossConfig, MethodConfig, EncoderConfigs, SamplerConfigs, LossConfigs,
  AnyEncoderOptions, AnySamplerOptions, PresetName,
} from './experiments/configTypes.js';
export type { Evaluator } from './evaluation/protocol.js';
export { interactionBatcher, userBatcher, groupBatcher, type Batch, type Batcher } from './training/batching.js';
export { createTrainStep, type TrainStep, type TrainStepSetup, type StepResult } from './training/step.js';
export { carveValid, validCarveFor, VALID_STREAM, type ValidCarve } from './training/carve.js';
export { ModelSelector } from './training/selection.js';
export { streamProgress, silentProgress, type ProgressSink } from './training/progress.js';
export {
  ConfigError, validateConfig, deepMerge, parseConfigText, parseOverrides, type RunConfig, type DatasetConfig,
} from './experiments/config.js';
export { PRESETS, presets, presetNames, resolveConfig, mergeConfig, DEFAULT_PRESET, type PresetEntry } from './experiments/presets.js';
export { checkMethodOptions, checkEvaluable, makeOptimizer } from './experiments/assemble.js';
export { trainLoop, type LoopComponents, type LoopSettings, type LoopOptions } from './training/loop.js';
export { RunStreams } from './training/streams.js';
export {
  RunWriter, readRun, readRunEmbeddings, readRunIds, readRunExclusions, readPerUser, defaultRunDir, summaryOf, type StoredRun, type RunSummary,
} from './experiments/runStore.js';
export { expandGrid, parseGridArg, summarizeSweep, type GridCell, type SweepRunRecord, type CellSummary } from './experiments/sweep.js';
export { compareRuns as compareRunTable, comparisonRows, averagePerUser, type ComparedRun, type Comparison } from './experiments/compare.js';
export { summaryMarkdown } from './experiments/markdown.js';
export { writeReport, collectReport, type ReportData, type ReportFiles } from './report/index.js';
export { encodeSafetensors, decodeSafetensors, readSafetensors, writeSafetensors, type SafeTensor } from './io/safetensors.js';
export { recommend, formatRecommendations, formatItemLists, type Recommendation } from './serving/recommend.js';
export {
  Model, type RecommendOptions, type ExcludeOption, type UserRecommendations, type SimilarItems, type ModelDataset, type ModelSource, type PopularItems,
} from './serving/model.js';
export {
  createServer, serve, HttpError, type ServerOptions, type ServeOptions, type ListenOptions, type ModelServer, type ReloadInfo,
  type MetricsSnapshot, type RouteMetrics,
} from './serving/server.js';
export { topK, type TopKOptions, type TopKResult } from './evaluation/topk.js';

// Robustness: errors a caller may want to tell apart, run-folder ownership, the validation pass
export { FileError, readRegularFile } from './io/files.js';
export { RunFolderError, RunWriteError, runState, checkRunFolder, withRunFolder } from './experiments/runFolder.js';
export { RunIntegrityError } from './experiments/runStore.js';
export { registerOptionSchema, validateAgainst, type Rule } from './core/schema.js';
export { DEFAULT_MAX_ID, DEFAULT_IDS_PER_RECORD, type IdLimits } from './data/limits.js';

// Library forms of the CLI's run-folder and sweep commands
export { openRun, datasetFromConfig, normaliseDatasetSpec, type OpenedRun } from './experiments/openRun.js';
export { runSweep, sweepTable, type SweepRequest, type SweepResult } from './experiments/sweepRunner.js';

// Papers' tables and figures as data, and the runner that reproduces one (hardneg reproduce)
export { CATALOGUE, findItem, paperItems, itemStatus, type ItemStatus } from './reproduce/catalogue.js';
export { reproduce, type ReproduceOptions, type ReproduceResult, type RowResult, type ClaimVerdict } from './reproduce/run.js';
export type { ReproItem, Arm, ArmGroup, Budget, BudgetName, PaperId, PaperNumbers, Claim, StatsRow } from './reproduce/types.js';
