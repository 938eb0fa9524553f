import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { make, registeredIds, spec } from '../../src/core/registry.js';

describe('Catch envs in the registry', () => {
  it('both ids are registered with their options', () => {
    expect(registeredIds()).toEqual(expect.arrayContaining(['Catch-v0', 'bsuite/Catch-v0']));
    expect(spec('Catch-v0').defaultOptions).toEqual({ size: 400, book: false, hideBallAfter: 0 });
    expect(spec('bsuite/Catch-v0').defaultOptions).toEqual({ rows: 10, columns: 5 });
  });

  it('make passes options through', () => {
    const c = make<Uint8Array, number>('Catch-v0', { size: 40 });
    expect(c.observationSpace.shape).toEqual([40, 40, 1]);
    const [obs, info] = c.reset({ seed: 0 });
    expect(obs.length).toBe(1600);
    expect(info['ballY']).toBe(1);
    const b = make<Float32Array, number>('bsuite/Catch-v0', { rows: 6, columns: 3, renderMode: 'ansi' });
    expect(b.observationSpace.shape).toEqual([6, 3]);
    b.reset({ seed: 0 });
    expect((b.render() as string).split('\n')).toHaveLength(6);
    expect(() => make('Catch-v0', { size: 41 })).toThrow(/400, 200, 80, 40/);
    expect(() => make('Catch-v0', { sise: 40 })).toThrow(/size/);
  });
});
