import { describe, expect, it } from 'vitest';
import { MINATAR_GAMES } from '../../../envs/minatar/reference-api.js';
import { fixtureFiles, loadFixture, replay } from './fixtures.js';

describe('MinAtar reference trajectories', () => {
  const files = fixtureFiles();

  it('finds all 24 fixture files', () => {
    expect(files.length).toBe(24);
  });

  for (const name of files) {
    it(`replays ${name} step for step`, () => {
      const fx = loadFixture(name);
      const game = MINATAR_GAMES[fx.game];
      expect(game.channels).toEqual(fx.channels);
      expect(game.minimalActionSet).toEqual(fx.minimal_action_set);
      expect(fx.state_shape).toEqual([10, 10, game.channels.length]);
      expect(replay(name, fx)).toBeNull();
    });
  }
});
