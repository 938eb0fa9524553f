/**
 * A trained policy for the live viewer (`tfgym watch`, and `train --watch` once training ends):
 * greedy on its Q-values, or epsilon-greedy with the epsilon chosen in the page, with the Q-values
 * of every step for the page's bars (and, for a C51 policy, the return distributions behind them).
 */
import { epsilonGreedy } from '../agents/exploration.js';
import type { QPolicy } from '../agents/evaluate.js';
import type { AnyTypedArray } from '../src/core/spaces.js';
import type { LivePolicy, PolicyOutput } from '../src/viewer/loop.js';
import type { ViewerServer } from '../src/viewer/server.js';
import type { Rng } from '../src/rng/rng.js';

/**
 * The live loop's policy for `policy`: one uniform draw per step, as in evaluation; the page's epsilon applies at once.
 */
export function livePolicy(policy: QPolicy, server: ViewerServer, rng: Rng): LivePolicy {
  const random = policy.alwaysRandom === true;
  const choose = (obs: unknown): PolicyOutput => {
    // A distributional policy's distributions come with their means, the Q-values: one forward pass.
    const d = policy.returnDistributions?.(obs as AnyTypedArray) ?? null;
    const q = d !== null ? d.qValues : policy.qValues(obs as AnyTypedArray);
    const eps = random ? 1 : (server.epsilon ?? 0);
    // Q is computed every step anyway (the page shows it), so the thunk just returns it.
    const action = epsilonGreedy(() => q, policy.numActions, eps, rng);
    return d !== null ? { action, qvalues: q, distributions: d } : { action, qvalues: q };
  };
  // Recurrent policies start every episode from a zero state.
  return Object.assign(choose, { reset: () => policy.reset?.() });
}
