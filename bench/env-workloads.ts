/**
 * Env stepping workloads (no tfjs): how fast the pure-JS games step with their frames drawn,
 * since an agent's loop can never be faster than its env.
 */
import { CatchEnv } from '../envs/catch/env.js';
import { Rng } from '../src/rng.js';
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

/** Catch-v0 stepping with the observation frame drawn every step. */
export const catchStep = catchWorkload(false);
/** Catch-v0 stepping plus an RGB render every step (what a viewer costs). */
export const catchStepRgb = catchWorkload(true);
