/**
 * Registers the five MinAtar games (Young & Tian 2019): `MinAtar/<Game>-v0` (all six actions),
 * `MinAtar/<Game>-v1` (the game's minimal action set) and `MinAtar/<Game>-pixels-v1` (minimal
 * actions, the RGB frame as observation) for Breakout, Asterix, Freeway, Seaquest and
 * SpaceInvaders. Options: `stickyActionProb` (0.1), `difficultyRamping` (true), `cellSize`
 * (16 pixels per cell: 160x160 frames).
 */
import { register, type EnvOptions } from '../../src/core/registry.js';
import { MINATAR_GAMES, type MinAtarGameName } from './reference-api.js';
import { MinAtarEnv } from './env.js';

export { MinAtarEnv, type MinAtarEnvOptions, type MinAtarInfo } from './env.js';
export {
  MINATAR_GAMES,
  MinAtarEnvironment,
  type MinAtarEnvironmentOptions,
  type MinAtarGameName,
} from './reference-api.js';
export type { MinAtarGame, MinAtarRng, MinAtarStateBase } from './types.js';

/** Registry options every MinAtar id accepts, with the reference's defaults. */
export const MINATAR_DEFAULT_OPTIONS = { stickyActionProb: 0.1, difficultyRamping: true, cellSize: 16 } as const;

/** Builds a MinAtar env from registry options. */
export function makeMinAtar(game: MinAtarGameName, variant: 'v0' | 'v1' | 'pixels', o: EnvOptions): MinAtarEnv {
  return new MinAtarEnv(game, {
    stickyActionProb: o['stickyActionProb'] as number,
    difficultyRamping: o['difficultyRamping'] as boolean,
    cellSize: o['cellSize'] as number,
    minimalActions: variant !== 'v0',
    pixels: variant === 'pixels',
    renderMode: o.renderMode ?? null,
  });
}

for (const name of Object.keys(MINATAR_GAMES) as MinAtarGameName[]) {
  const g = MINATAR_GAMES[name];
  const what = `MinAtar ${g.title} (Young & Tian 2019), 10x10x${g.channels.length} channels`;
  const defaultOptions = { ...MINATAR_DEFAULT_OPTIONS };
  register(`MinAtar/${g.title}-v0`, (o) => makeMinAtar(name, 'v0', o), {
    defaultOptions,
    description: `${what}, 6 actions`,
  });
  register(`MinAtar/${g.title}-v1`, (o) => makeMinAtar(name, 'v1', o), {
    defaultOptions,
    description: `${what}, minimal action set (${g.minimalActionSet.length})`,
  });
  register(`MinAtar/${g.title}-pixels-v1`, (o) => makeMinAtar(name, 'pixels', o), {
    defaultOptions,
    description: `MinAtar ${g.title}: 160x160 RGB frames (cellSize 16), minimal action set`,
  });
}
