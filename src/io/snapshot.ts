/**
 * What a training checkpoint holds, as plain data: the loop's counters and streams, and an
 * agent's state (JSON, tfjs model artifacts, typed arrays). Agents and the training loop produce
 * these; `checkpoints.ts` writes and reads them. They live here, below the agents, so that the
 * file format needs nothing from the code that fills it.
 */
import type * as tf from '@tensorflow/tfjs';
import type { RunSegment } from './result-lines.js';
import type { RngState } from '../rng/rng.js';
import type { AnyTypedArray } from '../core/spaces.js';
import type { RunningMeanStdState } from '../core/wrappers/utils.js';

/** A typed array saved as is (optimizer slots, replay memory, Q-tables): the dtypes spaces use. */
export type SnapshotArray = AnyTypedArray;

/** An agent's state as plain data. */
export interface AgentSnapshot {
  /** Agent name, checked on restore. */
  readonly kind: string;
  /** Small JSON-serialisable state (counters, RNG states, specs). */
  readonly json: Record<string, unknown>;
  /** Networks, each saved as tfjs layers `model.json` + `weights.bin`. */
  readonly models: Record<string, tf.io.ModelArtifacts>;
  /** Large arrays (optimizer slots, replay memory, Q-tables). */
  readonly blobs: Record<string, SnapshotArray>;
}

/** One env's current episode: the seed of its reset, the actions taken in it so far, its return so far. */
export interface EnvEpisodeState {
  seed: number;
  actions: number[];
  return: number;
}

/** The loop's normalization statistics (see `agents/normalize.ts`), when the run normalizes. */
export interface NormalizerState {
  /** Observation statistics, or null when observations are not normalized. */
  observation: RunningMeanStdState | null;
  /** Discounted-return statistics and each env's accumulator, or null when rewards are not normalized. */
  reward: (RunningMeanStdState & { returns: number[] }) | null;
  /**
   * Each env's current observation as the agent saw it (normalized with the statistics of the
   * step that produced it), or null: a resumed run continues from exactly these.
   */
  observations: number[][] | null;
}

/** Counters and streams of the training loop itself. */
export interface TrainerState {
  /** Env steps taken, over all envs. */
  step: number;
  episode: number;
  /** Seed of (env 0's) current episode's reset, and the actions taken in it so far (for exact resume). */
  episodeSeed: number;
  episodeActions: number[];
  episodeReturn: number;
  /** With several envs in lockstep: every env's current episode (env 0's is also in the fields above). */
  envs?: EnvEpisodeState[];
  /** Normalization statistics, when the run normalizes observations or rewards. */
  normalizer?: NormalizerState;
  rng: RngState;
  /** Returns of the last (up to) 100 episodes. */
  recentReturns: number[];
  bestEvalReturn: number | null;
  /** Whether the budget was used up (a finished run). */
  finished: boolean;
  /**
   * The parts of the run up to this checkpoint, the one that wrote it last (its wall time up to
   * the checkpoint): a run resumed from it counts them in its result line. Absent in checkpoints
   * written before parts were recorded.
   */
  segments?: RunSegment[];
}

/** Everything a checkpoint holds. */
export interface Checkpoint {
  readonly format: 'tfgym-checkpoint';
  readonly version: 1;
  readonly agent: string;
  readonly trainer: TrainerState;
  readonly agentState: AgentSnapshot;
}

/** Where checkpoints go (on the file system: `FileCheckpointStore` in `checkpoints.ts`). */
export interface CheckpointStore {
  /** Writes a checkpoint atomically; returns where. */
  save(cp: Checkpoint): Promise<string>;
  /** Writes the best model so far with its evaluation. */
  saveBest(model: tf.io.ModelArtifacts, info: Record<string, unknown>): Promise<void>;
}
