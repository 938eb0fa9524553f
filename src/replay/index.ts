/** Replay memories: uniform ring, prioritized (sum-tree), shared batch type. */
export * from './replay-memory.js';
export * from './prioritized.js';
export * from './sum-tree.js';
export * from './multi-env.js';
