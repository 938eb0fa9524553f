import { describe, expect, it } from 'vitest';
import { returnCurve } from '../../agents/results.js';

describe('returnCurve', () => {
  it('averages the returns of the episodes that ended in each bin of steps', () => {
    // Bins of 10 steps: (0, 10], (10, 20], (20, 30], (30, 40].
    const c = returnCurve(
      [
        [4, 4],
        [10, 6],
        [15, 5],
        [40, 25],
      ],
      40,
      4,
    );
    expect(c.binSteps).toBe(10);
    expect(c.meanReturn).toEqual([5, 5, null, 25]);
    expect(c.episodes).toEqual([2, 1, 0, 1]);
  });

  it('keeps two episodes ending at the same step (several envs) and lets a replayed stretch replace the old one', () => {
    const envs = returnCurve(
      [
        [8, 1],
        [8, 3],
      ],
      10,
      1,
    );
    expect(envs.episodes).toEqual([2]);
    expect(envs.meanReturn).toEqual([2]);
    // A resumed run goes back to its checkpoint at step 10 and logs steps 12 and 20 again.
    const resumed = returnCurve(
      [
        [5, 1],
        [12, 100],
        [20, 100],
        [12, 7],
        [20, 9],
      ],
      20,
      2,
    );
    expect(resumed.episodes).toEqual([1, 2]);
    expect(resumed.meanReturn).toEqual([1, 8]);
  });

  it('puts steps past the budget into the last bin and refuses a bad budget', () => {
    expect(returnCurve([[25, 2]], 20, 2).episodes).toEqual([0, 1]);
    expect(() => returnCurve([], 0)).toThrow(RangeError);
    expect(() => returnCurve([], 10, 0)).toThrow(RangeError);
  });
});
