/**
 * `tfgym/agents`: the agents (DQN family, DRQN, tabular Q-learning, random), their configs and
 * presets, and runs as library functions with the semantics of the CLI: {@link train} (`tfgym
 * train`: writes a run directory with config, metrics, checkpoints and the best model) and
 * {@link evaluate} (`tfgym eval`), plus {@link loadRunPolicy} to play a trained run yourself.
 * The lower layers are here too: the training loop ({@link trainLoop}), policy evaluation,
 * exploration, schedules, replay memories, metrics sinks and checkpoint files.
 *
 * Nothing here picks a TensorFlow.js backend unless asked (`backend` options, or `useBackend`
 * from `tfgym`).
 * @module
 */
export {
  DEFAULT_EVAL_EPISODES,
  EVAL_SEED,
  RunDirError,
  RunOptionsError,
  evaluate,
  loadRunPolicy,
  modelPolicy,
  readResolvedRunConfig,
  train,
  type EvalRunOptions,
  type EvalRunResult,
  type FinalEval,
  type ModelChoice,
  type RunConfig,
  type RunPolicy,
  type TrainRunOptions,
  type TrainRunResult,
  type TrainRunStart,
} from '../agents/run.js';
export {
  AGENTS,
  agentNames,
  agentSpec,
  defineAgent,
  type AgentConfig,
  type AgentEntry,
  type AgentSpec,
  type ConfigLayers,
  type PolicySource,
} from '../agents/registry.js';
export type { ActOptions, Agent, UpdateInfo } from '../agents/agent.js';
export type { ReturnDistributions } from '../agents/distributional.js';
export { DqnAgent, type DqnEnvInfo, type DqnState } from '../agents/dqn.js';
export { DQN_CONFIG, DQN_PRESETS, defaultDqnConfig, resolveDqnConfig, type DqnConfig } from '../agents/dqn-config.js';
export { DrqnAgent, RecurrentQPolicy, drqnMemoryNeeds, type DrqnEnvInfo } from '../agents/drqn.js';
export {
  DRQN_CONFIG,
  DRQN_PRESETS,
  defaultDrqnConfig,
  resolveDrqnConfig,
  type DrqnConfig,
} from '../agents/drqn-config.js';
export {
  sequenceCategoricalTargets,
  sequenceTargets,
  valueRescale,
  valueRescaleInverse,
  type SequenceCategoricalInputs,
  type SequenceTargetInputs,
} from '../agents/sequence-targets.js';
export {
  TABULAR_Q_CONFIG,
  TabularQAgent,
  defaultTabularQConfig,
  resolveTabularQConfig,
  type TabularQConfig,
} from '../agents/tabular-q.js';
export { RANDOM_CONFIG, RandomAgent, type RandomConfig } from '../agents/random.js';
export {
  ConfigError,
  coerceField,
  defaultsOf,
  fieldHelp,
  resolveConfig,
  type ConfigDescriptor,
  type FieldSpec,
  type FieldType,
  type Preset,
} from '../agents/config.js';
export { PREPROCESS, makeAgentEnv, makeRunEnv, type AgentEnv, type Preprocess } from '../agents/envs.js';
export {
  evaluate as evaluatePolicy,
  meanStd,
  type EvalOptions as EvaluatePolicyOptions,
  type EvalResult,
  type QPolicy,
} from '../agents/evaluate.js';
export {
  train as trainLoop,
  type TrainEvent,
  type TrainOptions as TrainLoopOptions,
  type TrainResult as TrainLoopResult,
  type NormalizeOptions,
  type TypedEnv,
  type TypedVectorEnv,
} from '../agents/trainer.js';
export {
  ObservationNormalizer,
  RewardNormalizer,
  normalizingPolicy,
  type RewardNormalizerState,
} from '../agents/normalize.js';
export {
  EZ_MAX_DURATION,
  EzGreedy,
  ZetaSampler,
  argmax,
  epsilonGreedy,
  type EzGreedyState,
} from '../agents/exploration.js';
export {
  epsilonAt,
  epsilonScheduleOf,
  exponentialValue,
  linearValue,
  multiplesPassed,
  scheduleValue,
  validateSchedule,
  type EpsilonSchedule,
  type ScheduleKind,
  type ScheduleUnit,
} from '../agents/schedules.js';
export * from '../src/replay/index.js';
export { MemorySink, TAGS, TeeSink, nullSink, type MetricsSink, type ScalarRecord } from '../src/metrics/sink.js';
export { CsvSink, JsonlSink, TensorBoardSink } from '../src/io/metric-files.js';
export {
  CheckpointError,
  cleanStaleTemps,
  FileCheckpointStore,
  findLatestCheckpoint,
  latestCheckpointDir,
  readCheckpoint,
  type LatestCheckpoint,
  type TempCleanup,
} from '../src/io/checkpoints.js';
export { TrainingDivergedError } from '../agents/errors.js';
export type { AgentSnapshot, Checkpoint, CheckpointStore, SnapshotArray, TrainerState } from '../src/io/snapshot.js';
export { bestModelDir, defaultRunDir, readRunConfig } from '../src/io/run-dir.js';
