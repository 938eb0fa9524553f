import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadBuiltinEnvs } from '../../envs/index.js';
import type { RgbFrame } from '../../src/core/env.js';
import { decodeFrame, encodeFrame } from '../../src/viewer/protocol.js';
import { make } from '../../src/core/registry.js';
import { playableKeyMap } from '../../src/viewer/loop.js';
import { Collector, waitFor } from './helpers.js';

describe('tfgym play', () => {
  const ids = loadBuiltinEnvs().filter((id) => /(^|\/)Catch-v0$|^MinAtar\//.test(id));

  it('covers Catch-v0, bsuite/Catch-v0 and every MinAtar game', () => {
    expect(ids).toContain('Catch-v0');
    expect(ids).toContain('bsuite/Catch-v0');
    for (const g of ['Asterix', 'Breakout', 'Freeway', 'Seaquest', 'SpaceInvaders'])
      expect(ids).toContain(`MinAtar/${g}-v1`);
  });

  it.each(ids)('%s maps keys to actions and renders frames the protocol carries', (id) => {
    const env = make<unknown, number>(id, { renderMode: 'rgb_array' });
    const keys = playableKeyMap(env.metadata.actionNames, id);
    expect(Object.keys(keys.keys).length).toBeGreaterThan(0);
    expect(env.metadata.actionNames?.[keys.idle]).toMatch(/^(noop|stay)$/i);
    env.reset({ seed: 0 });
    const f = env.render() as RgbFrame;
    const dec = decodeFrame(encodeFrame(0, f.height, f.width, 3, f.data));
    expect([dec?.height, dec?.width]).toEqual([f.height, f.width]);
    expect(env.metadata.renderFps).toBeGreaterThan(0);
  });

  it('rejects an unknown env with exit code 2', () => {
    const r = spawnSync(process.execPath, ['bin/tfgym.js', 'play', '--env', 'Nope-v0', '--port', '0'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--env/);
  });

  it('serves bsuite/Catch-v0 on a free port: hello, 10x5 frames, episodes', async () => {
    const p = spawn(process.execPath, ['bin/tfgym.js', 'play', '--env', 'bsuite/Catch-v0', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => /viewer: http:\/\/127\.0\.0\.1:\d+\//.test(out), 15_000, 'URL');
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
      const c = new Collector(`ws://127.0.0.1:${port}/ws`);
      await c.opened();
      c.send({ type: 'speed', value: 8 });
      await waitFor(() => c.of('episode').length >= 1 && c.frames.length > 2, 15_000, 'episode');
      expect(c.of('hello')[0]).toMatchObject({ envId: 'bsuite/Catch-v0', mode: 'play', fps: 10 });
      expect([c.frames[0]?.height, c.frames[0]?.width, c.frames[0]?.channels]).toEqual([10, 5, 3]);
      expect(c.of('episode')[0]).toMatchObject({ index: 0, length: 9 });
      expect(typeof c.of('episode')[0]?.won).toBe('boolean');
      c.close();
    } finally {
      p.kill('SIGTERM');
    }
  }, 30_000);
});
