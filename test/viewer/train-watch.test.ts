import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../agents/run.js';
import { runWatched } from '../../cli/train-watch.js';
import { Collector, waitFor } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-train-watch-'));

// runWatched prints the URL and the play-on line on stdout; capture them.
const captured: string[] = [];
const write = process.stdout.write.bind(process.stdout);
beforeAll(() => {
  process.stdout.write = ((chunk: string | Uint8Array) => {
    captured.push(
      ...String(chunk)
        .split('\n')
        .filter((l) => l !== ''),
    );
    return true;
  }) as typeof process.stdout.write;
});
afterAll(() => {
  process.stdout.write = write;
  rmSync(dir, { recursive: true, force: true });
});

describe('train --watch', () => {
  it('streams a real training run, then the trained agent plays on until stopped', async () => {
    let client: Collector | null = null;
    let trained = 0;
    const stop = new AbortController();
    // Stands in for the train command: runWatched starts the server; the run function trains
    // with the library's train() and the hooks; the injected stop ends the play after training.
    const done = runWatched(
      { port: 0, host: '127.0.0.1', env: 'Catch-v0' },
      async (hooks) => {
        const port = Number(/:(\d+)\/$/.exec(captured.find((l) => l.startsWith('viewer: ')) ?? '')?.[1]);
        const c = new Collector(`ws://127.0.0.1:${port}/ws`);
        client = c;
        await c.opened();
        expect(c.of('hello').length).toBeLessThanOrEqual(1);
        hooks.events.subscribe((e) => {
          if (e.type === 'episode') trained = e.episode;
        });
        return train({
          agent: 'random',
          env: 'Catch-v0',
          totalSteps: 4000,
          runDir: join(dir, 'run'),
          finalEvalEpisodes: 3,
          events: hooks.events,
          emitSteps: hooks.emitSteps,
          renderTraining: hooks.render,
          yieldMs: hooks.yieldMs,
        });
      },
      { stop: stop.signal },
    );
    await waitFor(
      () => captured.some((l) => l.startsWith('training done; the trained agent plays on at http://127.0.0.1:')),
      60_000,
      'training to end',
    );
    const c = client as unknown as Collector;
    // The play-on announces itself as a watch page, greedy, and streams the agent's Q-values.
    await waitFor(() => c.of('hello').some((h) => h.mode === 'watch'), 5000, 'the watch hello');
    await waitFor(() => c.of('qvalues').length >= 2 && c.frames.length >= 1, 10_000, 'play after training');
    // The page gets the epsilon control (1: the random agent plays at random).
    await waitFor(() => c.of('status').some((m) => m.epsilon === 1), 5000, 'the epsilon control');
    stop.abort();
    const result = await done;
    c.close();
    expect(result.reason).toBe('budget');
    expect(result.finalEval?.episodes).toBe(3);
    const hellos = c.of('hello');
    // The provisional hello, the real one from the trainer's start event, then the play-on's.
    const trainHello = hellos.find((h) => h.mode === 'train' && h.actionNames.length > 0);
    expect(trainHello).toMatchObject({
      mode: 'train',
      envId: 'Catch-v0',
      fps: 30,
      actionNames: ['left', 'stay', 'right'],
    });
    expect(trainHello?.actionSpace).toMatchObject({ type: 'Discrete', n: 3 });
    expect(hellos.at(-1)).toMatchObject({ mode: 'watch', envId: 'Catch-v0', actionNames: ['left', 'stay', 'right'] });
    expect([c.frames[0]?.height, c.frames[0]?.width, c.frames[0]?.channels]).toEqual([400, 400, 3]);
    expect(c.of('episode').length).toBeGreaterThanOrEqual(Math.min(trained, 10));
    // Catch counts wins (its registry entry says so): every episode is marked won or lost.
    expect(typeof c.of('episode')[0]?.won).toBe('boolean');
    expect(c.of('qvalues').at(-1)?.values).toEqual([0, 0, 0]);
    expect(c.of('metrics').some((m) => m.values['epsilon'] === 1)).toBe(true);
    expect(captured.some((l) => /^viewer: http:\/\/127\.0\.0\.1:\d+\/$/.test(l))).toBe(true);
  }, 90_000);
});
