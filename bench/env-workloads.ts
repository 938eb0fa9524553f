/**
 * Env stepping and replay workloads (no tfjs): how fast the pure-JS games step with their frames
 * drawn and the replay memory assembles batches, since an agent's loop is never faster than them.
 */
import '../envs/index.js';
import { CatchEnv } from '../envs/catch/env.js';
import { AsyncVectorEnv } from '../src/core/async-vector-env.js';
import { make } from '../src/core/registry.js';
import { SyncVectorEnv } from '../src/core/vector-env.js';
import { ReplayMemory } from '../src/replay/index.js';
import { Rng } from '../src/rng/rng.js';
import { JS_BACKEND, type Workload } from './harness.js';

/** Steps per timed run of the env workloads. */
const STEPS_PER_RUN = 10_000;

/** `Catch-v0` (400x400) steps with random actions; with `rgb`, also renders an RGB frame per step. */
function catchWorkload(rgb: boolean): Workload {
  return {
    name: rgb ? 'catch-step-rgb' : 'catch-step',
    description: rgb
      ? `Catch-v0 400x400: ${STEPS_PER_RUN} steps, observation frame + rgb_array render each step`
      : `Catch-v0 400x400: ${STEPS_PER_RUN} steps, observation frame drawn each step (reused buffer)`,
    backends: [JS_BACKEND],
    setup() {
      const env = new CatchEnv({ renderMode: rgb ? 'rgb_array' : null });
      const rng = new Rng(11);
      const actions = new Uint8Array(STEPS_PER_RUN);
      for (let i = 0; i < actions.length; i++) actions[i] = rng.nextInt(3);
      env.reset({ seed: 11 });
      let sink = 0;
      return {
        run() {
          for (let i = 0; i < STEPS_PER_RUN; i++) {
            const [obs, , terminated] = env.step(actions[i] as number);
            // Read the frame so the work cannot be skipped.
            sink += obs[i % obs.length] as number;
            if (rgb) sink += (env.render() as { data: Uint8Array }).data[i] as number;
            if (terminated) env.reset();
          }
        },
        dispose() {
          if (sink < 0) throw new Error('unreachable');
          env.close();
        },
        items: STEPS_PER_RUN,
        itemName: 'steps',
      };
    },
    reps: () => 5,
    warmup: () => 1,
  };
}

/** An env of the vector-env workloads: its id, make options and action count. */
interface VectorEnvCase {
  /** Workload name prefix. */
  readonly label: string;
  readonly id: string;
  readonly options: Record<string, unknown>;
  readonly actions: number;
  readonly about: string;
  /** Vector steps per timed run (fewer for dear steps, so that N = 8 stays a few seconds). */
  readonly vectorSteps: number;
}

/**
 * The vector-env cases, from the cheapest step to the dearest: CartPole (a few hundred
 * nanoseconds: the vector env's own overhead, the worst case for worker threads, which pay a
 * wake-up round trip per vector step), MinAtar Breakout (10x10x4 boolean frames), and the book's
 * Catch (400x400 frames drawn, resized to 80x80 and stacked by 4 every step: tens of microseconds).
 */
const VECTOR_CASES: readonly VectorEnvCase[] = [
  { label: 'cartpole', id: 'CartPole-v1', options: {}, actions: 2, about: 'CartPole-v1', vectorSteps: 2_000 },
  {
    label: 'breakout',
    id: 'MinAtar/Breakout-v1',
    options: {},
    actions: 3,
    about: 'MinAtar/Breakout-v1',
    vectorSteps: 2_000,
  },
  {
    label: 'catch-book',
    id: 'Catch-v0',
    options: { book: true },
    actions: 3,
    about: "Catch-v0 with the book's preprocessing (80x80x4 stacks)",
    vectorSteps: 200,
  },
];

/**
 * One env of {@link VECTOR_CASES} in a vector env of `n` envs, stepped in this thread
 * (`SyncVectorEnv`) or in worker threads (`AsyncVectorEnv`, one worker per env up to the cores):
 * the rate is env steps per second (N per vector step).
 */
function vectorWorkload(c: VectorEnvCase, kind: 'sync' | 'async', n: number): Workload {
  return {
    name: `${c.label}-vec-${kind}-${n}`,
    description: `${c.about} x${n}, ${kind === 'sync' ? 'SyncVectorEnv' : 'AsyncVectorEnv (worker_threads)'}: ${c.vectorSteps} vector steps, random actions, next-step autoreset`,
    backends: [JS_BACKEND],
    setup() {
      const venv =
        kind === 'sync'
          ? new SyncVectorEnv(Array.from({ length: n }, () => () => make<ArrayLike<number>, number>(c.id, c.options)))
          : new AsyncVectorEnv<ArrayLike<number>, number>(c.id, { numEnvs: n, envOptions: c.options });
      const rng = new Rng(5);
      const actions = Array.from({ length: c.vectorSteps }, () =>
        Int32Array.from({ length: n }, () => rng.nextInt(c.actions)),
      );
      venv.reset({ seed: 5 });
      let sink = 0;
      return {
        run() {
          for (let i = 0; i < c.vectorSteps; i++) sink += venv.step(actions[i] as Int32Array)[1][0] as number;
        },
        dispose() {
          // Rewards may be negative (Catch's -1): only a non-number would be wrong.
          if (Number.isNaN(sink)) throw new Error('reward sum is NaN');
          venv.close();
        },
        items: c.vectorSteps * n,
        itemName: 'steps',
      };
    },
    reps: () => 3,
    warmup: () => 1,
  };
}

/** Vector envs, sync and async, for N = 1, 2, 4, 8, on CartPole, MinAtar Breakout and the book's Catch. */
export const VECTOR_WORKLOADS: Workload[] = VECTOR_CASES.flatMap((c) =>
  [1, 2, 4, 8].flatMap((n) => [vectorWorkload(c, 'sync', n), vectorWorkload(c, 'async', n)]),
);

/** Catch-v0 stepping with the observation frame drawn every step. */
export const catchStep = catchWorkload(false);
/** Catch-v0 stepping plus an RGB render every step (what a viewer costs). */
export const catchStepRgb = catchWorkload(true);

/** Batches per timed run of {@link replaySampleBook}. */
const BATCHES_PER_RUN = 50;

/**
 * The book preset's replay sampling: batches of 32 transitions whose observations and next
 * observations are 80x80x4 uint8 stacks assembled from frames stored once (channels last).
 */
export const replaySampleBook: Workload = {
  name: 'replay-sample-book',
  description: `Replay memory: ${BATCHES_PER_RUN} batches of 32 book transitions (80x80x4 uint8 stacks of obs and next obs)`,
  backends: [JS_BACKEND],
  setup() {
    const k = 4;
    const frameSize = 80 * 80;
    const mem = new ReplayMemory({
      capacity: 5000,
      obsShape: [80, 80, k],
      obsDtype: 'uint8',
      frameStack: { k, axis: 'last', channels: 1 },
    });
    const rng = new Rng(5);
    const frames = Array.from({ length: 34 }, () => Uint8Array.from({ length: frameSize }, () => rng.nextInt(256)));
    // FrameStack's layout: element p * k + j is pixel p of frame j (oldest first), the first frame repeated at a reset.
    const stackAt = (t: number): Uint8Array => {
      const o = new Uint8Array(frameSize * k);
      for (let j = 0; j < k; j++) {
        const f = frames[Math.max(0, t - (k - 1) + j)] as Uint8Array;
        for (let p = 0; p < frameSize; p++) o[p * k + j] = f[p] as number;
      }
      return o;
    };
    const stacks = Array.from({ length: 34 }, (_, t) => stackAt(t));
    for (let ep = 0; ep < 150; ep++)
      for (let t = 0; t < 33; t++) mem.add(stacks[t] as Uint8Array, 1, 0, stacks[t + 1] as Uint8Array, t === 32, false);
    const batch = mem.createBatch(32);
    let sink = 0;
    return {
      run() {
        for (let i = 0; i < BATCHES_PER_RUN; i++) {
          mem.sample(batch, rng);
          sink += (batch.obs[i] as number) + (batch.nextObs[i * 7] as number);
        }
      },
      dispose() {
        if (sink < 0) throw new Error('unreachable');
      },
      items: BATCHES_PER_RUN * 32,
      itemName: 'transitions',
    };
  },
  reps: () => 5,
  warmup: () => 1,
};
