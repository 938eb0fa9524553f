import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Collector, waitFor, TINY_CATCH_DQN } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-watch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tfgym(...args: string[]) {
  return spawnSync(process.execPath, ['bin/tfgym.js', ...args], { encoding: 'utf8' });
}

describe('tfgym watch', () => {
  it('streams a saved DQN agent greedily with its Q-values; epsilon is settable live', async () => {
    const runDir = join(dir, 'run');
    const t = tfgym(
      'train',
      ...TINY_CATCH_DQN,
      '--train-frequency',
      '4',
      '--run-dir',
      runDir,
      '--quiet',
      '--backend',
      'cpu',
    );
    expect(t.status, t.stderr).toBe(0);

    const p = spawn(
      process.execPath,
      ['bin/tfgym.js', 'watch', '--run-dir', runDir, '--port', '0', '--episodes', '3', '--backend', 'cpu'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => p.on('exit', resolve));
    try {
      await waitFor(() => /viewer: http:\/\/127\.0\.0\.1:\d+\//.test(out), 20_000, `URL (stderr: ${err})`);
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
      const c = new Collector(`ws://127.0.0.1:${port}/ws`);
      await c.opened();
      await waitFor(() => c.of('status').length > 0, 2000, 'status');
      expect(c.of('status')[0]?.epsilon).toBe(0);
      c.send({ type: 'speed', value: 8 });
      // Greedy until epsilon changes: every highlighted action is the argmax of its Q-values.
      await waitFor(() => c.of('qvalues').length >= 3, 10_000, 'Q-values');
      for (const m of c.of('qvalues')) expect(m.action).toBe(m.values.indexOf(Math.max(...m.values)));
      c.send({ type: 'set-epsilon', value: 0.25 });
      await waitFor(() => c.of('status').some((s) => s.epsilon === 0.25), 2000, 'epsilon applied');
      expect(await exited).toBe(0);
      expect(c.of('hello')[0]).toMatchObject({
        mode: 'watch',
        envId: 'bsuite/Catch-v0',
        fps: 10,
        actionNames: ['left', 'stay', 'right'],
      });
      const q = c.of('qvalues');
      expect(q.length).toBeGreaterThan(5);
      for (const m of q) expect(m.values).toHaveLength(3);
      expect(c.of('episode')).toHaveLength(3);
      expect([c.frames[0]?.height, c.frames[0]?.width]).toEqual([10, 5]);
      expect(out).toMatch(/3 episode\(s\), 27 steps/);
      c.close();
    } finally {
      p.kill('SIGTERM');
    }
  }, 60_000);

  it('rejects a directory that is not a run with exit code 2', () => {
    const r = tfgym('watch', '--run-dir', dir, '--port', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/config\.json/);
  });
});
