import { describe, expect, it } from 'vitest';
import { Registry, editDistance, parseEnvId } from '../../../src/core/registry.js';
import { TimeLimit } from '../../../src/core/wrappers/common.js';
import { ToyEnv } from './toy-env.js';

function makeRegistry(): Registry {
  const reg = new Registry();
  reg.register('Toy-v0', (o) => new ToyEnv({ length: o.length as number, renderMode: o.renderMode ?? null }), {
    maxEpisodeSteps: 3,
    defaultOptions: { length: 10, label: 'x', flag: false },
    description: 'toy',
  });
  reg.register('Toy-v1', () => new ToyEnv());
  reg.register('bsuite/Catch-v0', () => new ToyEnv());
  reg.register('Catch-v0', () => new ToyEnv());
  return reg;
}

describe('env ids', () => {
  it.each([
    ['Catch-v0', { namespace: null, name: 'Catch', version: 0 }],
    ['bsuite/Catch-v12', { namespace: 'bsuite', name: 'Catch', version: 12 }],
    ['MinAtar/Space_Invaders-v1', { namespace: 'MinAtar', name: 'Space_Invaders', version: 1 }],
    ['Foo-Bar-v2', { namespace: null, name: 'Foo-Bar', version: 2 }],
  ])('parses %s', (id, parts) => {
    expect(parseEnvId(id)).toEqual(parts);
  });

  it.each(['Catch', 'Catch-v', 'Catch-vx', 'a/b/Catch-v0', '-v0', 'Ca tch-v0', ''])('rejects %j', (id) => {
    expect(() => parseEnvId(id)).toThrow(/Malformed env id/);
  });

  it.each([
    ['', '', 0],
    ['kitten', 'sitting', 3],
    ['catch', 'cach', 1],
    ['abc', 'cab', 2],
  ])('editDistance(%j, %j) = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('Registry', () => {
  it('lists ids sorted and returns specs', () => {
    const reg = makeRegistry();
    expect(reg.registeredIds()).toEqual(['Catch-v0', 'Toy-v0', 'Toy-v1', 'bsuite/Catch-v0']);
    const s = reg.spec('Toy-v0');
    expect(s.maxEpisodeSteps).toBe(3);
    expect(s.defaultOptions).toEqual({ length: 10, label: 'x', flag: false });
    expect(s.description).toBe('toy');
    expect(reg.spec('Toy-v1').maxEpisodeSteps).toBe(null);
  });

  it('refuses duplicate, malformed ids and reserved default keys', () => {
    const reg = makeRegistry();
    expect(() => reg.register('Toy-v0', () => new ToyEnv())).toThrow(/already registered/);
    expect(() => reg.register('Toy', () => new ToyEnv())).toThrow(/Malformed env id/);
    expect(() => reg.register('X-v0', () => new ToyEnv(), { maxEpisodeSteps: 0 })).toThrow(
      /maxEpisodeSteps must be a positive integer/,
    );
    expect(() => reg.register('X-v0', () => new ToyEnv(), { defaultOptions: { renderMode: null } })).toThrow(
      /reserved/,
    );
  });

  it('applies TimeLimit from the spec, overridable per call', () => {
    const reg = makeRegistry();
    const env = reg.make('Toy-v0');
    expect(env).toBeInstanceOf(TimeLimit);
    env.reset({ seed: 0 });
    expect(env.step(0)[3]).toBe(false);
    expect(env.step(0)[3]).toBe(false);
    expect(env.step(0)[3]).toBe(true);
    const longer = reg.make('Toy-v0', { maxEpisodeSteps: 5 }) as TimeLimit<unknown, unknown>;
    expect(longer.maxEpisodeSteps).toBe(5);
    expect(reg.make('Toy-v0', { maxEpisodeSteps: null })).toBeInstanceOf(ToyEnv);
    expect(reg.make('Toy-v1')).toBeInstanceOf(ToyEnv);
  });

  it('merges options over defaults and passes renderMode', () => {
    const reg = makeRegistry();
    const env = reg.make('Toy-v0', { length: 2, renderMode: 'ansi', maxEpisodeSteps: null }) as ToyEnv;
    expect(env.length).toBe(2);
    expect(env.renderMode).toBe('ansi');
    expect((reg.make('Toy-v0', { maxEpisodeSteps: null }) as ToyEnv).length).toBe(10);
  });

  it('rejects unknown option keys, naming close and accepted keys', () => {
    const reg = makeRegistry();
    expect(() => reg.make('Toy-v0', { lenght: 3 })).toThrow(
      "make('Toy-v0'): unknown option 'lenght'. Did you mean: length? Accepted options: length, label, flag, renderMode, maxEpisodeSteps, maskVelocity, frameDrop",
    );
    expect(() => reg.make('Toy-v0', { length: '3' })).toThrow(/option 'length' must be a number/);
    expect(() => reg.make('Toy-v0', { renderMode: 'human' })).toThrow(/renderMode must be/);
  });

  it('suggests close ids for unknown ones', () => {
    const reg = makeRegistry();
    expect(() => reg.make('Cach-v0')).toThrow("Unknown env id 'Cach-v0'. Did you mean: Catch-v0?");
    expect(() => reg.make('Toy-v7')).toThrow(/Did you mean: Toy-v0, Toy-v1\?/);
    expect(() => reg.make('bsuite/catch-v0')).toThrow(/Did you mean: bsuite\/Catch-v0/);
    expect(() => reg.make('Zzzzzzzzzz-v0')).toThrow(/^Unknown env id 'Zzzzzzzzzz-v0'\. Run 'tfgym envs'/);
    expect(() => reg.make('nope')).toThrow(/Malformed env id/);
  });

  it('parses CLI option strings by the type of each default', () => {
    const reg = makeRegistry();
    expect(
      reg.parseOptions('Toy-v0', {
        length: '4',
        label: 'abc',
        flag: 'true',
        maxEpisodeSteps: '7',
        renderMode: 'ansi',
        maskVelocity: 'true',
        frameDrop: '0.5',
      }),
    ).toEqual({
      length: 4,
      label: 'abc',
      flag: true,
      maxEpisodeSteps: 7,
      renderMode: 'ansi',
      maskVelocity: true,
      frameDrop: 0.5,
    });
    expect(() => reg.parseOptions('Toy-v0', { maskVelocity: 'yes' })).toThrow(/true or false/);
    expect(() => reg.parseOptions('Toy-v0', { length: 'four' })).toThrow(/must be a number/);
    expect(() => reg.parseOptions('Toy-v0', { flag: 'yes' })).toThrow(/true or false/);
  });
});

describe('make: the partial-observability options', () => {
  it('maskVelocity zeroes CartPole velocities; frameDrop blanks observations, seeded by reset', async () => {
    await import('../../../envs/index.js');
    const { make } = await import('../../../src/core/registry.js');
    const plain = make<Float32Array, number>('CartPole-v1');
    const masked = make<Float32Array, number>('CartPole-v1', { maskVelocity: true });
    const [o] = plain.reset({ seed: 5 });
    const [m] = masked.reset({ seed: 5 });
    expect(Array.from(m)).toEqual([o[0], 0, o[2], 0]);
    for (let t = 0; t < 5; t++) {
      const [po] = plain.step(t % 2);
      const [mo] = masked.step(t % 2);
      expect([mo[0], mo[2]]).toEqual([po[0], po[2]]);
      expect(po[1]).not.toBe(0);
      expect([mo[1], mo[3]]).toEqual([0, 0]);
    }
    // Dropped frames: zeros with probability p, the same ones for the same seed.
    const drops = (seed: number): boolean[] => {
      const env = make<Float32Array, number>('CartPole-v1', { frameDrop: 0.5, maxEpisodeSteps: 0 });
      const out = [env.reset({ seed })[0].every((v) => v === 0)];
      for (let t = 0; t < 40; t++) {
        const [obs, , term] = env.step(t % 2);
        out.push(obs.every((v) => v === 0));
        if (term) out.push(env.reset()[0].every((v) => v === 0));
      }
      return out;
    };
    const a = drops(3);
    expect(drops(3)).toEqual(a);
    expect(a.filter(Boolean).length).toBeGreaterThan(8);
    expect(a.filter(Boolean).length).toBeLessThan(33);
    expect(() => make('Catch-v0', { maskVelocity: true })).toThrow(/not implemented for 'Catch-v0'/);
    expect(() => make('CartPole-v1', { frameDrop: 1 })).toThrow(/frameDrop must be a probability in \[0, 1\)/);
    expect(() => make('CartPole-v1', { maskVelocity: 1 })).toThrow(/maskVelocity must be true or false/);
  });
});
