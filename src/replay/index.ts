/** Replay memories: uniform ring, prioritized (sum-tree), sequences for recurrent agents, shared batch types. */
export * from './replay-memory.js';
export * from './prioritized.js';
export * from './sum-tree.js';
export * from './multi-env.js';
export * from './sequence-replay.js';
export * from './prioritized-sequence.js';
export * from './proportional.js';
