/** Wrappers that transform rewards (Gymnasium's `transform_reward`): `ClipReward`. */
import { RewardWrapper } from './wrapper.js';

/** Replaces each reward by its sign: +1, 0 or -1 (DQN's reward clipping). */
export class ClipReward<Obs, Act> extends RewardWrapper<Obs, Act> {
  reward(r: number): number {
    return r > 0 ? 1 : r < 0 ? -1 : 0;
  }
}
