/**
 * What the training loop needs from an agent, and the plain-data snapshot agents save into
 * checkpoints (JSON, tfjs model artifacts, typed-array blobs). Writing snapshots to disk is
 * `src/io/checkpoints.ts`' job; agents never touch the file system.
 */
import type * as tf from '@tensorflow/tfjs';
import { argmax } from './exploration.js';
import type { Rng } from '../src/rng/rng.js';
import type { AnyTypedArray } from '../src/core/spaces.js';

/** A typed array stored as a blob. */
export type Blob = Uint8Array | Int32Array | Float32Array | Float64Array;

/** An agent's state as plain data. */
export interface AgentSnapshot {
  /** Agent name, checked on restore. */
  readonly kind: string;
  /** Small JSON-serialisable state (counters, RNG states, specs). */
  readonly json: Record<string, unknown>;
  /** Networks, each saved as tfjs layers `model.json` + `weights.bin`. */
  readonly models: Record<string, tf.io.ModelArtifacts>;
  /** Large arrays (optimizer slots, replay memory, Q-tables). */
  readonly blobs: Record<string, Blob>;
}

/** Scalars from one training round. */
export interface UpdateInfo {
  readonly loss: number;
  readonly q: number;
  readonly updates: number;
}

/** A learning agent for discrete actions. */
export interface Agent {
  readonly name: string;
  readonly numActions: number;
  /** Exploration epsilon for this progress. */
  epsilon(step: number, episodes: number): number;
  /** Epsilon-greedy action; `rng` overrides the agent's own stream (evaluation uses its own). */
  act(obs: AnyTypedArray, epsilon: number, rng?: Rng): number;
  /** Action values for one observation (for greedy play and the viewer's Q bars). */
  qValues(obs: AnyTypedArray): Float32Array;
  /** Learns from (or stores) one transition. */
  observe(obs: AnyTypedArray, action: number, reward: number, nextObs: AnyTypedArray, terminated: boolean, truncated: boolean): void;
  /** Announces an episode boundary that no terminal transition marked. */
  endEpisode(): void;
  /** Called after every env step; returns scalars when it trained. */
  train(step: number, episodes: number): UpdateInfo | null;
  /** The greedy policy network, when there is one (saved as the best model). */
  policyModel(): tf.LayersModel | null;
  /** State for a checkpoint. */
  snapshot(withReplay: boolean): Promise<AgentSnapshot>;
  /** Restores a snapshot; throws a clear Error when it does not fit. */
  restore(s: AgentSnapshot): Promise<void>;
  dispose(): void;
}

/** Epsilon-greedy over given Q-values with `rng`: one uniform draw, then a uniform action or the argmax. */
export function epsilonGreedy(q: () => ArrayLike<number>, numActions: number, epsilon: number, rng: Rng): number {
  if (rng.nextFloat() < epsilon) return rng.nextInt(numActions);
  return argmax(q(), numActions);
}
