import { describe, expect, it } from 'vitest';
import { minimizeLbfgs, type LbfgsIteration } from '../../models/lbfgs.js';
import { Rng } from '../../src/rng/rng.js';

/** 0.5 x'Ax - b'x with A = D + u u' (symmetric positive definite, condition number about 100). */
function quadratic(n: number, seed: number) {
  const rng = new Rng(seed);
  const diag = Array.from({ length: n }, (_, i) => 1 + (99 * i) / (n - 1));
  const u = Array.from({ length: n }, () => rng.uniform(-1, 1));
  const b = Array.from({ length: n }, () => rng.uniform(-5, 5));
  const ax = (x: ArrayLike<number>): number[] => {
    let ux = 0;
    for (let i = 0; i < n; i++) ux += (u[i] as number) * (x[i] as number);
    return diag.map((d, i) => d * (x[i] as number) + (u[i] as number) * ux);
  };
  const f = (x: Float64Array) => {
    const a = ax(x);
    let loss = 0;
    for (let i = 0; i < n; i++) loss += 0.5 * (x[i] as number) * (a[i] as number) - (b[i] as number) * (x[i] as number);
    return { loss, grad: a.map((v, i) => v - (b[i] as number)) };
  };
  return { f, ax, b };
}

describe('L-BFGS', () => {
  it('minimizes a 50-dimensional ill-conditioned quadratic to its exact minimizer (A x = b)', () => {
    const { f, ax, b } = quadratic(50, 3);
    const seen: LbfgsIteration[] = [];
    const r = minimizeLbfgs(f, new Float64Array(50), {
      maxIterations: 200,
      // The loss is about -10: float64 resolves gradients down to about 1e-7 from its differences.
      gradientTolerance: 1e-6,
      relativeTolerance: 0,
      onIteration: (it) => seen.push(it),
    });
    expect(r.stop).toBe('gradient');
    const residual = ax(r.x).map((v, i) => v - (b[i] as number));
    expect(Math.max(...residual.map(Math.abs))).toBeLessThanOrEqual(1e-6);
    // Far fewer iterations than gradient descent would need at condition number ~100.
    expect(r.iterations).toBeLessThan(80);
    // Every iteration lowers the loss, and the progress reports agree with the result.
    for (let i = 1; i < seen.length; i++) expect(seen[i]?.loss).toBeLessThan(seen[i - 1]?.loss ?? Infinity);
    expect(seen.at(-1)?.loss).toBe(r.loss);
    expect(seen.at(-1)?.evaluations).toBe(r.evaluations);
  });

  it('solves the Rosenbrock function from (-1.2, 1)', () => {
    const f = (x: Float64Array) => {
      const [a, b] = [x[0] as number, x[1] as number];
      return {
        loss: 100 * (b - a * a) ** 2 + (1 - a) ** 2,
        grad: [-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)],
      };
    };
    const r = minimizeLbfgs(f, [-1.2, 1], { maxIterations: 200, gradientTolerance: 1e-8, relativeTolerance: 0 });
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
  });

  it('keeps to its iteration and evaluation budgets and leaves x0 alone', () => {
    const { f } = quadratic(20, 4);
    const x0 = new Float64Array(20).fill(1);
    const a = minimizeLbfgs(f, x0, { maxIterations: 3, relativeTolerance: 0 });
    expect(a.iterations).toBe(3);
    expect(a.stop).toBe('iterations');
    const b = minimizeLbfgs(f, x0, { maxIterations: 100, maxEvaluations: 7, relativeTolerance: 0 });
    expect(b.evaluations).toBeLessThanOrEqual(7);
    expect(b.stop).toBe('evaluations');
    expect(Array.from(x0)).toEqual(new Array(20).fill(1));
    expect(b.loss).toBeLessThan(f(x0).loss);
  });
});
