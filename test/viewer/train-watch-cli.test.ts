import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Collector, waitFor, TINY_CATCH_DQN } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-train-watch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Spawns the compiled CLI as a user would (npm test builds dist/ first).
describe('tfgym train --watch (the compiled CLI)', () => {
  it('keeps serving after training: the trained agent plays greedily until Ctrl-C, then exits 0', async () => {
    const runDir = join(dir, 'run');
    const args = [
      'bin/tfgym.js',
      'train',
      ...TINY_CATCH_DQN,
      '--eval-episodes',
      '4',
      '--run-dir',
      runDir,
      '--backend',
      'cpu',
      '--watch',
      '--port',
      '0',
    ];
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => p.on('exit', resolve));
    try {
      await waitFor(
        () => /training done; the trained agent plays on at http:\/\/127\.0\.0\.1:\d+\/; Ctrl-C to stop/.test(out),
        60_000,
        `the play-on line (stdout: ${out}; stderr: ${err})`,
      );
      expect(out).toMatch(
        /greedy evaluation of the trained agent \(4 episodes, seeds 1000000\.\.1000003\): won [0-4] of 4/,
      );
      const port = Number(/plays on at http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
      const c = new Collector(`ws://127.0.0.1:${port}/ws`);
      await c.opened();
      await waitFor(() => c.of('hello').some((h) => h.mode === 'watch'), 5000, 'the watch hello');
      c.send({ type: 'speed', value: 8 });
      await waitFor(() => c.of('qvalues').length >= 3, 15_000, 'Q-values of the trained agent');
      // Greedy: every highlighted action is the argmax of its Q-values.
      for (const m of c.of('qvalues')) expect(m.action).toBe(m.values.indexOf(Math.max(...m.values)));
      expect(c.of('hello').at(-1)).toMatchObject({
        mode: 'watch',
        envId: 'bsuite/Catch-v0',
        actionNames: ['left', 'stay', 'right'],
      });
      c.close();
      p.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(err).not.toMatch(/\n\s+at /);
    } finally {
      p.kill('SIGKILL');
    }
  }, 90_000);
});
