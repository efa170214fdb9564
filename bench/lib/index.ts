// Shared benchmark helpers: `import { timeIt, envReport, detectTorch, ... } from './lib/index.js'`.
export * from './timing.js';
export * from './env.js';
export * from './python.js';
export * from './table.js';
export * from './args.js';
export * from './curve.js';
