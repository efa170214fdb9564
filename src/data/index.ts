// The data layer's public surface.
export type { CsrMatrix, DataReportEntry, Dataset, InteractionSet, TrainView } from './types.js';
export { trainView } from './view.js';
export { DataError, isDataError } from './errors.js';
export {
  buildCsr, colCounts, countOverlap, emptySet, hasInteraction, itemMajor, nnz, rowCounts, rowOf, selectEntries, sortedIncludes, transpose, union,
} from './csr.js';
export { validSplitFromTrain, type ValidCarveMode } from './carve.js';
export { assembleDataset, sequentialIds, withSplits, type DatasetParts, type Pairs } from './build.js';
export { fingerprint } from './fingerprint.js';
export type { InteractionLog } from './log.js';
export { dedupeLog, kCore, ratingThreshold } from './filter.js';
export { describeSplit, isTemporal, parseSplit, splitLog, type SplitSpec } from './split.js';
export { syntheticDataset, syntheticLog, type SyntheticOptions } from './synthetic.js';
export { loadLightGcn, parseAdjacency } from './loaders/lightgcn.js';
export { loadExposureFile, RECNS_EXPOSURE_FILE } from './loaders/exposure.js';
export { loadLastFm } from './loaders/lastfm.js';
export { loadMovieLensLog } from './loaders/movielens.js';
export { loadMixGcf } from './loaders/mixgcf.js';
export { loadNcf } from './loaders/ncf.js';
export { loadRecBole } from './loaders/recbole.js';
export { loadCsv } from './loaders/csv.js';
export { loadParquet, type ParquetOptions } from './loaders/parquet.js';
export { NAMED_DATASETS, FORMATS, dataRoots, defaultDataDir, resolveNamed, type Format } from './registry.js';
export { datasetToLog, loadDataset, loadLog, resolveSpec, type DatasetSpec } from './load.js';
export { datasetStats, formatStats, type DatasetStats, type SplitStats } from './stats.js';
export { writeSplit } from './write.js';
export { ChecksumError, DOWNLOADS, download, type DownloadEntry, type DownloadOptions } from './download.js';
export { guessFormat } from './registry.js';
export { RegionIndex, REGION_KINDS, fullRegionBytes, checkKhop, type RegionKind, type RegionMode, type RegionOptions } from './regions.js';
