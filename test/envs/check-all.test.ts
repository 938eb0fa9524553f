// Every registered env passes checkEnv (issue 3's contract test): the full check (300 random
// steps, twice) without rendering, then a short check in every render mode it declares.
import { describe, expect, it } from 'vitest';
import { loadBuiltinEnvs } from '../../envs/index.js';
import { checkEnv } from '../../src/core/env-checker.js';
import { make } from '../../src/core/registry.js';
import type { RenderMode } from '../../src/core/env.js';

const ids = loadBuiltinEnvs();

describe('checkEnv on every registered env', () => {
  it('registers the built-in envs: Catch, bsuite Catch, classic control and the five MinAtar games in three variants', () => {
    const games = ['Asterix', 'Breakout', 'Freeway', 'Seaquest', 'SpaceInvaders'];
    const expected = [
      'Acrobot-v1',
      'CartPole-v1',
      'Catch-v0',
      'MountainCar-v0',
      'bsuite/Catch-v0',
      ...games.flatMap((g) => ['v0', 'v1', 'pixels-v1'].map((v) => `MinAtar/${g}-${v}`)),
    ];
    expect([...ids].sort()).toEqual(expected.sort());
  });

  const cases: [string, RenderMode | null][] = [];
  for (const id of ids) {
    const modes = make(id).metadata.renderModes;
    cases.push([id, null], ...modes.map((m): [string, RenderMode] => [id, m]));
  }
  it.each(cases)('%s (renderMode %s)', (id, renderMode) => {
    const report = checkEnv(make(id, { renderMode }), { seed: 0, steps: renderMode === null ? 300 : 20 });
    expect(report.passed).toEqual(expect.arrayContaining(['spaces', 'metadata', 'reset', 'step', 'determinism']));
    if (renderMode !== null) expect(report.passed).toContain('render');
  });
});
