/**
 * What the training loop needs from an agent. Agents save their state as an `AgentSnapshot`
 * (plain data, defined with the checkpoint format in `src/io/snapshot.ts`); writing snapshots to
 * disk is `src/io/checkpoints.ts`' job, and agents never touch the file system.
 *
 * An agent is built for `numEnvs` envs stepped in lockstep (a vector env; 1 for a single env):
 * {@link Agent.actBatch} chooses all their actions at once, and {@link Agent.observe} /
 * {@link Agent.endEpisode} name the env, so that whatever follows one env's sequence of steps
 * (n-step returns, exploration options) stays per env.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng/rng.js';
import type { AnyTypedArray } from '../src/core/spaces.js';
import type { AgentSnapshot } from '../src/io/snapshot.js';
import type { ReturnDistributions } from './distributional.js';

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
  /**
   * The next actions of `n` envs (`obs` holds their observations one after another) into `out`:
   * env by env, the exploration draws {@link Agent.act} would make, in env order, and the values
   * of all `n` observations from one batched evaluation when any env acts greedily. With `n = 1`
   * it draws and returns exactly what `act` would.
   */
  actBatch(obs: AnyTypedArray, n: number, epsilon: number, out: Int32Array, options?: ActOptions): void;
  /** Action values for one observation (for greedy play and the viewer's Q bars). */
  qValues(obs: AnyTypedArray): Float32Array;
  /**
   * Starts a new episode of greedy play (see `QPolicy.reset`): a recurrent agent zeroes the state
   * its `qValues` carries. Optional: agents without such state have none.
   */
  reset?(): void;
  /**
   * Q-values that env 0's next training step would see for `obs`, changing no state (the training
   * viewer's bars). Optional: without it `qValues` serves, which is the same for agents without
   * state between steps.
   */
  peekQValues?(obs: AnyTypedArray): Float32Array;
  /**
   * A distributional agent's return distributions for `obs` (every action's, over the atoms) with
   * their means, the Q-values {@link Agent.peekQValues} would give, from one forward pass and
   * changing no state: the viewer draws the chosen action's distribution next to the Q bars.
   * Optional; null from agents that learn expected values only (DQN without C51).
   */
  returnDistributions?(obs: AnyTypedArray): ReturnDistributions | null;
  /** Learns from (or stores) one transition of env `env` (default 0). */
  observe(
    obs: AnyTypedArray,
    action: number,
    reward: number,
    nextObs: AnyTypedArray,
    terminated: boolean,
    truncated: boolean,
    env?: number,
  ): void;
  /** Announces an episode boundary of env `env` (default 0) that no terminal transition marked. */
  endEpisode(env?: number): void;
  /**
   * Called after every env step, or every vector step (`n` env steps, one per env; default 1);
   * returns scalars when it trained.
   * @param step env steps taken so far, over all envs
   */
  train(step: number, episodes: number, n?: number): UpdateInfo | null;
  /** The greedy policy network, when there is one (saved as the best model). */
  policyModel(): tf.LayersModel | null;
  /** State for a checkpoint. */
  snapshot(withReplay: boolean): Promise<AgentSnapshot>;
  /** Restores a snapshot; throws a clear Error when it does not fit. */
  restore(s: AgentSnapshot): Promise<void>;
  dispose(): void;
}
