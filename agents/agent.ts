/**
 * What the training loop needs from an agent. Agents save their state as an `AgentSnapshot`
 * (plain data, defined with the checkpoint format in `src/io/snapshot.ts`); writing snapshots to
 * disk is `src/io/checkpoints.ts`' job, and agents never touch the file system.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import type { AnyTypedArray } from '../src/core/spaces.js';
import type { AgentSnapshot } from '../src/io/snapshot.js';

/** Scalars from one training round. */
export interface UpdateInfo {
  readonly loss: number;
  readonly q: number;
  readonly updates: number;
}

/** How {@link Agent.act} explores. */
export interface ActOptions {
  /** Stream for the exploration draws (default: the agent's own). */
  readonly rng?: Rng;
  /**
   * Whether this action continues the training trajectory, so that exploration with state
   * between steps (DQN's εz-greedy options) may start, continue or end an option. Default true;
   * false gives plain epsilon-greedy and leaves that state untouched (e.g. for evaluation).
   */
  readonly extended?: boolean;
}

/** A learning agent for discrete actions. */
export interface Agent {
  readonly name: string;
  readonly numActions: number;
  /** Exploration epsilon for this progress. */
  epsilon(step: number, episodes: number): number;
  /** The next action, epsilon-greedy on the agent's values; see {@link ActOptions}. */
  act(obs: AnyTypedArray, epsilon: number, options?: ActOptions): number;
  /** Action values for one observation (for greedy play and the viewer's Q bars). */
  qValues(obs: AnyTypedArray): Float32Array;
  /** Learns from (or stores) one transition. */
  observe(
    obs: AnyTypedArray,
    action: number,
    reward: number,
    nextObs: AnyTypedArray,
    terminated: boolean,
    truncated: boolean,
  ): void;
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
