/**
 * Registers Gymnasium's classic-control envs, exact to Gymnasium 1.x for the same seed and
 * actions: `CartPole-v1` (500-step limit; option `suttonBartoReward`), `MountainCar-v0` (200;
 * option `goalVelocity`) and `Acrobot-v1` (500). The step limits are Gymnasium's
 * `max_episode_steps`, applied by the registry's `TimeLimit`.
 */
import { register, type EnvOptions } from '../../src/core/registry.js';
import { AcrobotEnv, CartPoleEnv, MountainCarEnv } from './env.js';

export {
  AcrobotEnv,
  CartPoleEnv,
  MountainCarEnv,
  resetBounds,
  type AcrobotOptions,
  type CartPoleOptions,
  type MountainCarOptions,
} from './env.js';
export * as acrobotGame from './acrobot.js';
export * as cartpoleGame from './cartpole.js';
export * as mountainCarGame from './mountain-car.js';

register(
  'CartPole-v1',
  (o: EnvOptions) =>
    new CartPoleEnv({ suttonBartoReward: o['suttonBartoReward'] as boolean, renderMode: o.renderMode ?? null }),
  {
    maxEpisodeSteps: 500,
    defaultOptions: { suttonBartoReward: false },
    description: "Gymnasium's CartPole-v1: balance a pole on a cart, +1 per step, 500 steps at most",
  },
);

register(
  'MountainCar-v0',
  (o: EnvOptions) =>
    new MountainCarEnv({ goalVelocity: o['goalVelocity'] as number, renderMode: o.renderMode ?? null }),
  {
    maxEpisodeSteps: 200,
    defaultOptions: { goalVelocity: 0 },
    description: "Gymnasium's MountainCar-v0: drive an underpowered car up a hill, -1 per step, 200 steps at most",
  },
);

register('Acrobot-v1', (o: EnvOptions) => new AcrobotEnv({ renderMode: o.renderMode ?? null }), {
  maxEpisodeSteps: 500,
  description: "Gymnasium's Acrobot-v1: swing a two-link arm's tip above a line, -1 per step, 500 steps at most",
});
