/**
 * L-BFGS (limited-memory BFGS, Liu & Nocedal 1989), the optimizer that Keras' neural style
 * transfer example runs through `scipy.optimize.fmin_l_bfgs_b`: the two-loop recursion over the
 * last `memory` steps, initial Hessian scaled by `s'y / y'y`, and a line search that meets the
 * strong Wolfe conditions (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithms 3.5
 * and 3.6, with cubic interpolation in the zoom). Unconstrained (no bounds), in float64.
 *
 * The objective returns the loss and its gradient at `x`; its cost (a network's forward and
 * backward pass) dominates, so {@link LbfgsResult.evaluations} counts what a run cost.
 */

/** The loss and its gradient at a point; the gradient may be a new array or a reused one. */
export type Objective = (x: Float64Array) => { loss: number; grad: ArrayLike<number> };

/** Progress after each iteration. */
export interface LbfgsIteration {
  /** 1-based. */
  iteration: number;
  loss: number;
  /** Objective evaluations so far. */
  evaluations: number;
  /** Largest absolute gradient component. */
  gradMax: number;
  /** Step length the line search accepted. */
  step: number;
}

/** Options of {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Iterations (each one line search). */
  maxIterations: number;
  /** Stop before exceeding this many objective evaluations (default: unlimited). */
  maxEvaluations?: number;
  /** Steps kept (scipy's `m`, default 10). */
  memory?: number;
  /** Stop when the largest gradient component is at most this (scipy's `pgtol`, default 1e-5). */
  gradientTolerance?: number;
  /**
   * Stop when a step lowers the loss by at most this fraction of it (scipy's `factr * eps`,
   * default 1e7 * 2.2e-16).
   */
  relativeTolerance?: number;
  onIteration?: (it: LbfgsIteration) => void;
}

/** Why {@link minimizeLbfgs} stopped. */
export type LbfgsStop = 'iterations' | 'evaluations' | 'gradient' | 'relative-reduction' | 'line-search';

/** Outcome of {@link minimizeLbfgs}. */
export interface LbfgsResult {
  /** The best point found (the last accepted one). */
  x: Float64Array;
  loss: number;
  iterations: number;
  evaluations: number;
  stop: LbfgsStop;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** Minimizer of the cubic through (a, fa, ga) and (b, fb, gb), kept inside [lo + 10%, hi - 10%] of the interval. */
function cubicMin(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  let t: number;
  if (disc >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    t = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
  } else t = (lo + hi) / 2;
  const margin = 0.1 * (hi - lo);
  if (!Number.isFinite(t) || t < lo + margin || t > hi - margin) t = (lo + hi) / 2;
  return t;
}

/**
 * Minimizes `f` from `x0` (not modified) with L-BFGS. Stops after `maxIterations`, or earlier
 * when the gradient or the loss reduction falls below the tolerances, the evaluation budget is
 * spent, or no step along the search direction lowers the loss.
 */
export function minimizeLbfgs(f: Objective, x0: ArrayLike<number>, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const m = options.memory ?? 10;
  const gtol = options.gradientTolerance ?? 1e-5;
  const rtol = options.relativeTolerance ?? 1e7 * 2.220446049250313e-16;
  const maxEvals = options.maxEvaluations ?? Infinity;
  const c1 = 1e-4;
  const c2 = 0.9;

  let evaluations = 0;
  const evaluate = (x: Float64Array): { loss: number; grad: Float64Array } => {
    evaluations++;
    const r = f(x);
    return { loss: r.loss, grad: Float64Array.from(r.grad) };
  };

  let x = Float64Array.from(x0);
  let { loss, grad } = evaluate(x);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  let stop: LbfgsStop = 'iterations';
  let iteration = 0;

  if (maxAbs(grad) <= gtol) return { x, loss, iterations: 0, evaluations, stop: 'gradient' };

  while (iteration < options.maxIterations) {
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -(grad[i] as number);
    const k = sHist.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = (rhoHist[j] as number) * dot(sHist[j] as Float64Array, d);
      alpha[j] = a;
      const y = yHist[j] as Float64Array;
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) - a * (y[i] as number);
    }
    if (k > 0) {
      const s = sHist[k - 1] as Float64Array;
      const y = yHist[k - 1] as Float64Array;
      const gamma = dot(s, y) / dot(y, y);
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) * gamma;
    }
    for (let j = 0; j < k; j++) {
      const b = (rhoHist[j] as number) * dot(yHist[j] as Float64Array, d);
      const s = sHist[j] as Float64Array;
      const a = alpha[j] as number;
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) + (a - b) * (s[i] as number);
    }
    let dg = dot(d, grad);
    if (!(dg < 0)) {
      // Not a descent direction (curvature information gone bad): restart from steepest descent.
      sHist.length = yHist.length = rhoHist.length = 0;
      for (let i = 0; i < n; i++) d[i] = -(grad[i] as number);
      dg = dot(d, grad);
    }
    // First step (no curvature yet): the largest component moves by one unit (scipy moves the
    // whole vector by one unit, which in a picture of 10^5 pixels is far too timid a start).
    const step0 = sHist.length === 0 ? Math.min(1, 1 / maxAbs(d)) : 1;

    // Strong Wolfe line search along d.
    const phi = (t: number): { loss: number; grad: Float64Array; slope: number } => {
      for (let i = 0; i < n; i++) xNew[i] = (x[i] as number) + t * (d[i] as number);
      const r = evaluate(xNew);
      return { ...r, slope: dot(r.grad, d) };
    };
    let accepted: { t: number; loss: number; grad: Float64Array } | undefined;
    let tPrev = 0;
    let fPrev = loss;
    let gPrev = dg;
    let t = step0;
    const budget = (): boolean => evaluations < maxEvals;
    for (let ls = 0; ls < 20 && budget(); ls++) {
      const p = phi(t);
      if (!Number.isFinite(p.loss) || p.loss > loss + c1 * t * dg || (ls > 0 && p.loss >= fPrev)) {
        accepted = zoom(tPrev, fPrev, gPrev, t, p.loss, p.slope);
        break;
      }
      if (Math.abs(p.slope) <= -c2 * dg) {
        accepted = { t, loss: p.loss, grad: p.grad };
        break;
      }
      if (p.slope >= 0) {
        accepted = zoom(t, p.loss, p.slope, tPrev, fPrev, gPrev);
        break;
      }
      tPrev = t;
      fPrev = p.loss;
      gPrev = p.slope;
      // Still going down steeply: try a longer step (extrapolating by 4, as More & Thuente's search).
      t *= 4;
      if (ls === 19 || !budget()) accepted = { t: tPrev, loss: p.loss, grad: p.grad };
    }

    function zoom(
      lo: number,
      fLo: number,
      gLo: number,
      hi: number,
      fHi: number,
      gHi: number,
    ): { t: number; loss: number; grad: Float64Array } | undefined {
      let best: { t: number; loss: number; grad: Float64Array } | undefined;
      for (let z = 0; z < 20 && budget(); z++) {
        const tz = Number.isFinite(fHi) ? cubicMin(lo, fLo, gLo, hi, fHi, gHi) : (lo + hi) / 2;
        const p = phi(tz);
        if (!Number.isFinite(p.loss) || p.loss > loss + c1 * tz * dg || p.loss >= fLo) {
          hi = tz;
          fHi = p.loss;
          gHi = p.slope;
        } else {
          best = { t: tz, loss: p.loss, grad: p.grad };
          if (Math.abs(p.slope) <= -c2 * dg) return best;
          if (p.slope * (hi - lo) >= 0) {
            hi = lo;
            fHi = fLo;
            gHi = gLo;
          }
          lo = tz;
          fLo = p.loss;
          gLo = p.slope;
        }
        if (Math.abs(hi - lo) < 1e-12 * Math.max(1, Math.abs(lo))) break;
      }
      // Wolfe's curvature condition unmet within the budget: any sufficient decrease will do.
      return best;
    }

    if (accepted === undefined || !(accepted.loss < loss)) {
      stop = budget() ? 'line-search' : 'evaluations';
      break;
    }
    iteration++;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = accepted.t * (d[i] as number);
      y[i] = (accepted.grad[i] as number) - (grad[i] as number);
    }
    const sy = dot(s, y);
    // Keep the pair only with positive curvature, so that H stays positive definite.
    if (sy > 1e-10 * dot(y, y)) {
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
      if (sHist.length > m) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
    }
    const previous = loss;
    x = Float64Array.from(x, (v, i) => v + (s[i] as number));
    loss = accepted.loss;
    grad = accepted.grad;
    const gradMax = maxAbs(grad);
    options.onIteration?.({ iteration, loss, evaluations, gradMax, step: accepted.t });
    if (gradMax <= gtol) {
      stop = 'gradient';
      break;
    }
    if ((previous - loss) / Math.max(Math.abs(previous), Math.abs(loss), 1) <= rtol) {
      stop = 'relative-reduction';
      break;
    }
    if (!budget()) {
      stop = 'evaluations';
      break;
    }
  }
  return { x, loss, iterations: iteration, evaluations, stop };
}
