/**
 * The random agent: uniform actions, no learning. The baseline every learning curve should beat
 * (the book's 100 "observation" games play exactly like it).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng, RngState } from '../src/rng/rng.js';
import type { AnyTypedArray } from '../src/core/spaces.js';
import type { AgentSnapshot } from '../src/io/snapshot.js';
import type { ActOptions, Agent, UpdateInfo } from './agent.js';
import type { ConfigDescriptor } from './config.js';

/** The random agent has no hyperparameters. */
export type RandomConfig = Record<string, never>;

/** Empty descriptor (so the CLI treats every agent alike). */
export const RANDOM_CONFIG: ConfigDescriptor<RandomConfig> = {};

/** Uniformly random actions from its own Rng. */
export class RandomAgent implements Agent {
  readonly name = 'random';
  readonly alwaysRandom = true;
  private readonly zeros: Float32Array;

  constructor(
    readonly numActions: number,
    private readonly rng: Rng,
  ) {
    this.zeros = new Float32Array(numActions);
  }

  epsilon(): number {
    return 1;
  }

  /** A uniform action, whatever `epsilon` (from `options.rng` when given). */
  act(_obs: AnyTypedArray, _epsilon: number, options: ActOptions = {}): number {
    return (options.rng ?? this.rng).nextInt(this.numActions);
  }

  /** Uniform actions for `n` envs, in env order. */
  actBatch(_obs: AnyTypedArray, n: number, _epsilon: number, out: Int32Array, options: ActOptions = {}): void {
    const rng = options.rng ?? this.rng;
    for (let i = 0; i < n; i++) out[i] = rng.nextInt(this.numActions);
  }

  /** All zeros: a random policy has no preferences. */
  qValues(): Float32Array {
    return this.zeros;
  }

  observe(): void {}
  endEpisode(): void {}
  train(): UpdateInfo | null {
    return null;
  }
  policyModel(): tf.LayersModel | null {
    return null;
  }

  async snapshot(): Promise<AgentSnapshot> {
    return { kind: this.name, json: { rng: this.rng.getState() }, models: {}, blobs: {} };
  }

  async restore(s: AgentSnapshot): Promise<void> {
    if (s.kind !== this.name) throw new Error(`the checkpoint is for agent '${s.kind}', not '${this.name}'`);
    this.rng.setState(s.json['rng'] as RngState);
  }

  dispose(): void {}
}
