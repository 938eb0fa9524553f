/**
 * Mirror augmentation of replayed transitions: for an env whose rules are symmetric under a
 * left-right reflection of the screen (the book's Catch: the paddle's moves, its bounce off either
 * wall and the catch test all reflect exactly about the screen's vertical centre line), a
 * transition seen through a mirror is another true transition of the same game, with "left" and
 * "right" swapped. Sampling each replayed transition mirrored with probability 1/2 doubles what
 * the agent learns from each game played without changing what it plays (the idea of
 * symmetry-based data augmentation, e.g. van der Pol et al. 2020 "MDP Homomorphic Networks", who
 * build the same symmetry into the network instead; and of image augmentation in DQN, Laskin et
 * al. 2020 "RAD", Kostrikov et al. 2021 "DrQ", who use shifts).
 *
 * The reflection is only exact where the env's rules are: the config names the action
 * permutation, and the caller chooses it for a game it knows to be symmetric.
 */
import type { AnyTypedArray } from '../src/core/spaces.js';
import type { Rng } from '../src/rng/rng.js';
import type { ReplayBatch, StackAxis } from '../src/replay/index.js';

/**
 * Checks `perm` as the action map of a reflection: a permutation of `0 .. numActions - 1` that is
 * its own inverse (mirroring twice is the identity), and an observation that has a width axis
 * (`[H, W]` or `[H, W, C]`, frames stacked last if at all). Returns `perm`. Throws a RangeError
 * naming what is wrong.
 */
export function checkMirrorActions(
  perm: readonly number[],
  numActions: number,
  obsShape: readonly number[],
  stackAxis?: StackAxis,
): number[] {
  if (perm.length !== numActions) {
    throw new RangeError(
      `mirrorActions must list one action for each of the env's ${numActions} actions (action i is mirrored to ` +
        `mirrorActions[i]). Received: [${perm.join(', ')}]`,
    );
  }
  perm.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p >= numActions || perm[p] !== i) {
      throw new RangeError(
        `mirrorActions must be a permutation of 0..${numActions - 1} that is its own inverse ` +
          `(mirrorActions[mirrorActions[i]] = i). Received: [${perm.join(', ')}]`,
      );
    }
  });
  if ((obsShape.length !== 2 && obsShape.length !== 3) || stackAxis === 'first') {
    // Frames stacked in front make the shape (k, H, W): its second axis is not the width.
    throw new RangeError(
      `mirrorActions flips image observations ([H, W] or [H, W, C]) along their width; this env's observations ` +
        `have shape [${obsShape.join(', ')}]${stackAxis === 'first' ? ', frames stacked along the first axis' : ''}`,
    );
  }
  return [...perm];
}

/**
 * Reverses row `b` of `data` (images of `height x width x channels`, C order) along the width
 * axis, in place.
 */
export function flipWidth(data: AnyTypedArray, b: number, height: number, width: number, channels: number): void {
  const rowLen = width * channels;
  const base = b * height * rowLen;
  for (let y = 0; y < height; y++) {
    const row = base + y * rowLen;
    for (let x = 0, xr = width - 1; x < xr; x++, xr--) {
      const l = row + x * channels;
      const r = row + xr * channels;
      for (let c = 0; c < channels; c++) {
        const t = data[l + c] as number;
        data[l + c] = data[r + c] as number;
        data[r + c] = t;
      }
    }
  }
}

/**
 * Mirrors each transition of `batch` with probability `probability` (default 1/2), in place: its
 * observation and its bootstrap observation flipped along the width axis, its action mapped
 * through `perm`. Rewards, discounts, terminal flags, weights and slots stay (a reflection changes
 * none of them). Draws one number from `rng` per transition.
 */
export function mirrorBatch(
  batch: ReplayBatch,
  obsShape: readonly number[],
  perm: readonly number[],
  rng: Rng,
  probability = 0.5,
): void {
  const [height = 1, width = 1, channels = 1] = obsShape;
  for (let b = 0; b < batch.size; b++) {
    if (!(rng.nextFloat() < probability)) continue;
    flipWidth(batch.obs, b, height, width, channels);
    flipWidth(batch.nextObs, b, height, width, channels);
    batch.actions[b] = perm[batch.actions[b] as number] as number;
  }
}
