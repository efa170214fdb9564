// Evaluation: full and sampled ranking, metrics, paired statistics, sampler diagnostics.
export * from './metrics.js';
export * from './fullRanking.js';
export * from './sampled.js';
export * from './stats.js';
export * from './diagnostics.js';
