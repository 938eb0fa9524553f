/**
 * Exploration schedules: epsilon as a function of progress (steps or episodes).
 *
 * A schedule is a pure function of a counter, so it needs no state in checkpoints: the counter
 * (global step or finished episodes) is saved, and epsilon follows from it.
 */

/** Shape of the decay between `start` and `end`. */
export type ScheduleKind = 'linear' | 'exponential' | 'constant';

/** What the schedule counts: environment steps or finished episodes. */
export type ScheduleUnit = 'step' | 'episode';

/** A decay from `start` to `end` over `duration` units, then flat at `end`. */
export interface EpsilonSchedule {
  readonly kind: ScheduleKind;
  readonly unit: ScheduleUnit;
  readonly start: number;
  readonly end: number;
  /** Number of units (steps or episodes) the decay takes; 0 means "already at `end`". */
  readonly duration: number;
}

/**
 * Linear interpolation from `start` to `end` over `duration` units, clamped afterwards
 * (as CleanRL's `linear_schedule` and SB3's `get_linear_fn`).
 */
export function linearValue(start: number, end: number, duration: number, t: number): number {
  if (duration <= 0 || t >= duration) return end;
  if (t <= 0) return start;
  return start + ((end - start) * t) / duration;
}

/**
 * Geometric interpolation: `start * (end/start)^(t/duration)`, clamped at `end`. With `start`
 * and `end` > 0 this is the exponential decay `start * exp(-k t)` whose rate `k` reaches `end`
 * exactly at `duration`. Falls back to linear when either endpoint is <= 0 (no log).
 */
export function exponentialValue(start: number, end: number, duration: number, t: number): number {
  if (duration <= 0 || t >= duration) return end;
  if (t <= 0) return start;
  if (start <= 0 || end <= 0) return linearValue(start, end, duration, t);
  return start * Math.pow(end / start, t / duration);
}

/** Epsilon after `t` units of `s`. */
export function scheduleValue(s: EpsilonSchedule, t: number): number {
  switch (s.kind) {
    case 'constant':
      return s.start;
    case 'linear':
      return linearValue(s.start, s.end, s.duration, t);
    case 'exponential':
      return exponentialValue(s.start, s.end, s.duration, t);
  }
}

/**
 * Epsilon for the current progress: the schedule reads `steps` or `episodes` by its unit.
 * @param steps environment steps taken so far
 * @param episodes episodes finished so far
 */
export function epsilonAt(s: EpsilonSchedule, steps: number, episodes: number): number {
  return scheduleValue(s, s.unit === 'step' ? steps : episodes);
}

/** Checks a schedule's numbers; throws RangeError naming the bad field. */
export function validateSchedule(s: EpsilonSchedule): void {
  for (const k of ['start', 'end'] as const) {
    const v = s[k];
    if (!Number.isFinite(v) || v < 0 || v > 1) {
      throw new RangeError(
        `Received an invalid value for epsilon \`${k}\`; expected a number in [0, 1]. Received: ${k}=${String(v)}`,
      );
    }
  }
  if (!Number.isFinite(s.duration) || s.duration < 0) {
    throw new RangeError(
      `Received an invalid value for \`duration\`; expected a number >= 0. Received: duration=${String(s.duration)}`,
    );
  }
}

/** A training budget: env steps and/or episodes (with both, whichever runs out first ends training). */
export interface Budget {
  readonly steps?: number;
  readonly episodes?: number;
}

/** The exploration fields of an agent config (DQN's and tabular Q-learning's). */
export interface EpsilonConfig {
  epsilonStart: number;
  epsilonEnd: number;
  /** Fraction of the budget over which epsilon decays. */
  explorationFraction: number;
  epsilonDecay: 'linear' | 'exponential';
  epsilonUnit: ScheduleUnit;
}

/**
 * The epsilon schedule a config describes: decay over `explorationFraction` of the budget in the
 * config's unit. Throws RangeError when the budget is not given in that unit.
 */
export function epsilonScheduleOf(c: EpsilonConfig, budget: Budget): EpsilonSchedule {
  const total = c.epsilonUnit === 'step' ? budget.steps : budget.episodes;
  if (total === undefined) {
    const flag = c.epsilonUnit === 'step' ? 'total-steps' : 'episodes';
    const unit = c.epsilonUnit;
    throw new RangeError(`epsilon decays per ${unit}, so the budget must be given in ${unit}s (--${flag})`);
  }
  const duration = c.explorationFraction * total;
  return { kind: c.epsilonDecay, unit: c.epsilonUnit, start: c.epsilonStart, end: c.epsilonEnd, duration };
}

/**
 * How far training is through its budget, as a counter `t` out of `duration`, in the unit of the
 * budget that is furthest along (steps or episodes; with a budget in one unit only, that unit).
 * A schedule that runs "over the whole budget" (prioritized replay's beta) uses it, so that it
 * ends exactly when training does, whichever unit the budget was given in. No budget at all:
 * `{ t: 0, duration: 0 }`, i.e. already at the end.
 */
export function budgetProgress(budget: Budget, steps: number, episodes: number): { t: number; duration: number } {
  const bySteps = (budget.steps ?? 0) > 0 ? { t: steps, duration: budget.steps ?? 0 } : null;
  const byEpisodes = (budget.episodes ?? 0) > 0 ? { t: episodes, duration: budget.episodes ?? 0 } : null;
  if (bySteps && byEpisodes) {
    return bySteps.t / bySteps.duration >= byEpisodes.t / byEpisodes.duration ? bySteps : byEpisodes;
  }
  return bySteps ?? byEpisodes ?? { t: 0, duration: 0 };
}

/**
 * How many multiples of `every` lie in `(step - n, step]`: the training rounds, target syncs,
 * evaluations or checkpoints due after `n` more env steps brought the count to `step`. 1 or 0 for `n = 1`
 * (`step % every === 0`); `every` of 0 never fires.
 */
export function multiplesPassed(step: number, n: number, every: number): number {
  if (every <= 0) return 0;
  return Math.floor(step / every) - Math.floor((step - n) / every);
}
