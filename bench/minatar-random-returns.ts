/**
 * Random-policy returns of the five MinAtar games: 1,000 episodes each, seeded, with the
 * reference's defaults (sticky actions 0.1, difficulty ramping on, all six actions), reported as
 * mean +- standard error like the reference's `random_play` example, for the README table.
 *
 * Protocol: `MinAtarEnvironment(game)`, `seed(seed)`, then episodes back to back (`reset()`
 * continues the stream, as in the fixtures); actions from a separate `RandomState(seed + 1000)`
 * with one `randint(6)` per step (the fixtures' random policy).
 *
 * Run: `npm run build && node dist/bench/minatar-random-returns.js [--episodes 1000] [--seed 0] [--json]`.
 */
import { pathToFileURL } from 'node:url';
import { MINATAR_GAMES, MinAtarEnvironment, type MinAtarGameName } from '../envs/minatar/reference-api.js';
import { RandomState } from '../src/rng/index.js';

/** Returns of one game under the random policy. */
export interface RandomReturns {
  game: MinAtarGameName;
  episodes: number;
  mean: number;
  /** Standard error of the mean (sample standard deviation / sqrt(episodes)). */
  stderr: number;
  /** Mean episode length in steps. */
  meanLength: number;
}

/** Plays `episodes` random-policy episodes of `game` from `seed`. */
export function randomReturns(game: MinAtarGameName, episodes = 1000, seed = 0): RandomReturns {
  const env = new MinAtarEnvironment(game);
  const policy = new RandomState(seed + 1000);
  env.seed(seed);
  let sum = 0;
  let sumSq = 0;
  let steps = 0;
  for (let e = 0; e < episodes; e++) {
    env.reset();
    let g = 0;
    while (!env.terminal) {
      g += env.act(policy.randint(6));
      steps++;
    }
    sum += g;
    sumSq += g * g;
  }
  const mean = sum / episodes;
  const variance = episodes > 1 ? (sumSq - episodes * mean * mean) / (episodes - 1) : 0;
  return { game, episodes, mean, stderr: Math.sqrt(Math.max(0, variance) / episodes), meanLength: steps / episodes };
}

function main(argv: readonly string[]): void {
  const arg = (name: string, def: number): number => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : def;
  };
  const episodes = arg('--episodes', 1000);
  const seed = arg('--seed', 0);
  for (const game of Object.keys(MINATAR_GAMES) as MinAtarGameName[]) {
    const r = randomReturns(game, episodes, seed);
    if (argv.includes('--json')) console.log(JSON.stringify(r));
    else
      console.log(
        `${game.padEnd(15)} ${r.mean.toFixed(2)} +- ${r.stderr.toFixed(2)}  (${episodes} episodes, mean length ${r.meanLength.toFixed(0)})`,
      );
  }
}

// Run main only when executed directly, not when imported (the harness imports the workloads).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  main(process.argv.slice(2));
