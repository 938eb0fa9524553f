/** Reward wrappers that keep state across steps (Gymnasium 1.x's `stateful_reward`): `NormalizeReward`. */
import type { Env, StepResult } from '../env.js';
import { RunningMeanStd } from './utils.js';
import { Wrapper } from './wrapper.js';

/** What {@link NormalizeReward.getState} returns, as plain JSON data. */
export interface NormalizeRewardState {
  /** Running statistics of the discounted return (one component). */
  mean: number[];
  var: number[];
  count: number;
  /** The discounted-return accumulator. */
  discountedReward: number;
}

/**
 * Scales rewards so that their discounted sum has roughly unit variance (Gymnasium 1.x's
 * `NormalizeReward`, from OpenAI Baselines' `VecNormalize`): each step updates the accumulator
 * `G = G * gamma * (1 - terminated) + reward`, adds `G` to a float64 {@link RunningMeanStd}
 * (unless {@link NormalizeReward.updateRunningMean} is false), and returns
 * `reward / sqrt(var(G) + epsilon)`. The mean is not subtracted (Baselines issue #538: it would
 * change the sign of rewards).
 *
 * As in Gymnasium, the accumulator is cleared by `terminated` on the terminal step itself (so that
 * step's `G` is its reward alone) and is not cleared by truncation nor by `reset`: a truncated
 * episode's return runs on into the next one, which is what bootstrapping past a time limit assumes.
 * {@link NormalizeReward.getState} / {@link NormalizeReward.setState} save and restore the
 * statistics and the accumulator for checkpoints.
 */
export class NormalizeReward<Obs, Act> extends Wrapper<Obs, Act> {
  /** Whether steps update the statistics (Gymnasium's `update_running_mean`). */
  updateRunningMean = true;
  /** The running statistics of the discounted return. */
  readonly returnRms = new RunningMeanStd(1);
  /** The discounted return so far (Gymnasium's `discounted_reward`). */
  discountedReward = 0;
  private readonly g = new Float64Array(1);

  constructor(
    env: Env<Obs, Act>,
    readonly gamma = 0.99,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    if (!(gamma >= 0 && gamma <= 1))
      throw new RangeError(`NormalizeReward: gamma must be in [0, 1]. Received: ${String(gamma)}`);
    if (!(epsilon >= 0) || !Number.isFinite(epsilon))
      throw new RangeError(`NormalizeReward: epsilon must be a non-negative number. Received: ${String(epsilon)}`);
  }

  override step(action: Act): StepResult<Obs> {
    const out = this.env.step(action);
    const reward = out[1];
    this.discountedReward = this.discountedReward * this.gamma * (out[2] ? 0 : 1) + reward;
    if (this.updateRunningMean) {
      this.g[0] = this.discountedReward;
      this.returnRms.update(this.g);
    }
    out[1] = reward / Math.sqrt((this.returnRms.var[0] as number) + this.epsilon);
    return out;
  }

  /** The statistics and the accumulator as plain data (for checkpoints). */
  getState(): NormalizeRewardState {
    return { ...this.returnRms.getState(), discountedReward: this.discountedReward };
  }

  /** Restores {@link NormalizeReward.getState}; throws on malformed state. */
  setState(s: NormalizeRewardState): void {
    if (
      s === null ||
      typeof s !== 'object' ||
      typeof s.discountedReward !== 'number' ||
      !Number.isFinite(s.discountedReward)
    ) {
      throw new RangeError('NormalizeReward: state must hold a finite discountedReward');
    }
    this.returnRms.setState({ mean: s.mean, var: s.var, count: s.count }, 'NormalizeReward');
    this.discountedReward = s.discountedReward;
  }
}
