import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { map, type Observable } from 'rxjs';
import { EnvStream, summarizeEpisodes, type EpisodeEvent, type StepEvent } from '../../../src/core/env-stream.js';
import type { RgbFrame } from '../../../src/core/env.js';
import { REWARDS, ToyEnv, pixel } from './toy-env.js';

class CountingToy extends ToyEnv {
  renders = 0;
  protected override renderRgb(): RgbFrame {
    this.renders++;
    return super.renderRgb();
  }
}

function collect<T>(o: Observable<T>): T[] {
  const out: T[] = [];
  o.subscribe((x) => out.push(x));
  return out;
}

describe('EnvStream', () => {
  it('publishes resets, steps and episode ends synchronously with exact values', () => {
    const s = new EnvStream(new ToyEnv({ length: 2 }));
    const resets = collect(s.resets$);
    const steps = collect(s.steps$);
    const episodes = collect(s.episodes$);
    s.reset({ seed: 3 });
    expect(resets.map((r) => [r.episode, r.seed, r.globalStep])).toEqual([[0, 3, 0]]);
    s.step(2);
    expect(steps).toHaveLength(1); // synchronous: published before step() returned
    s.step(0);
    s.reset();
    s.step(1);
    s.step(1);
    expect(steps.map((e) => [e.episode, e.t, e.globalStep, e.action, e.reward, e.terminated])).toEqual([
      [0, 1, 1, 2, REWARDS[0] * 3, false],
      [0, 2, 2, 0, REWARDS[1] * 1, true],
      [1, 1, 3, 1, REWARDS[0] * 2, false],
      [1, 2, 4, 1, REWARDS[1] * 2, true],
    ]);
    expect(episodes).toEqual<EpisodeEvent[]>([
      { episode: 0, return: 4.5 - 2, length: 2, terminated: true, truncated: false, globalStep: 2, info: { t: 2 } },
      { episode: 1, return: 3 - 4, length: 2, terminated: true, truncated: false, globalStep: 4, info: { t: 2 } },
    ]);
    expect(resets.map((r) => [r.episode, r.seed, r.globalStep])).toEqual([
      [0, 3, 0],
      [1, null, 2],
    ]);
  });

  it('never renders unless a subscriber asks; frame() renders once per step, lazily', () => {
    const toy = new CountingToy({ renderMode: 'rgb_array', length: 100 });
    const s = new EnvStream(toy);
    s.reset({ seed: 1 });
    for (let i = 0; i < 5; i++) s.step(0);
    const sub = s.steps$.subscribe(() => undefined);
    for (let i = 0; i < 5; i++) s.step(0);
    expect(toy.renders).toBe(0);
    sub.unsubscribe();
    const frames: (RgbFrame | string | null)[] = [];
    s.steps$.subscribe((e) => {
      if (e.t % 2 === 0) {
        frames.push(e.frameCopy());
        expect(e.frame()).not.toBe(null);
      }
    });
    for (let i = 0; i < 4; i++) s.step(0);
    expect(toy.renders).toBe(2); // steps 12 and 14, each rendered once although asked twice
    const f = frames[1] as RgbFrame;
    expect(f.data[0]).toBe(pixel(14, 0, 0, 0, toy.offset));
  });

  it('frame() of an old event is null (the env has moved on), not a later state', () => {
    const s = new EnvStream(new ToyEnv({ renderMode: 'rgb_array', length: 2 }));
    const events: StepEvent<Uint8Array, number>[] = [];
    s.steps$.subscribe((e) => events.push(e));
    s.reset();
    s.step(0);
    s.step(0);
    expect(events[1]!.frame()).not.toBe(null);
    expect(events[0]!.frame()).toBe(null);
    s.reset();
    const fresh = events[1]!;
    // Asked once before the reset: the cached frame stays; a never-asked old event gets null.
    expect(fresh.frame()).not.toBe(null);
  });

  it('publishes nothing without a render mode frame, and completes on close', () => {
    const s = new EnvStream(new ToyEnv());
    let completed = 0;
    s.steps$.subscribe({ complete: () => completed++ });
    s.episodes$.subscribe({ complete: () => completed++ });
    s.resets$.subscribe({ complete: () => completed++ });
    const frames: unknown[] = [];
    s.steps$.subscribe((e) => frames.push(e.frame()));
    s.reset();
    s.step(0);
    expect(frames).toEqual([null]);
    s.close();
    expect(completed).toBe(3);
  });

  it('marbles: a cold action stream drives the env; rewards and episode ends come out on the same frames', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, expectObservable }) => {
      const s = new EnvStream(new ToyEnv({ length: 3 }));
      s.reset({ seed: 0 });
      // Starts at frame 1 so the expectations below (subscribed at frame 0) see the first step.
      const actions = cold('-a-b-c-a-b|', { a: 0, b: 1, c: 2 });
      actions.subscribe((a) => {
        if ((s.unwrapped as ToyEnv).t >= 3) s.reset();
        s.step(a);
      });
      // Rewards: REWARDS[t-1] * (a+1): 1.5*1, -2*2, 0*3 | new episode: 1.5*1, -2*2.
      expectObservable(s.steps$.pipe(map((e) => e.reward))).toBe('-p-q-r-p-q', { p: 1.5, q: -4, r: 0 });
      expectObservable(s.episodes$.pipe(map((e) => e.return))).toBe('-----x', { x: 1.5 - 4 + 0 });
    });
  });

  it('marbles: summarizeEpisodes keeps moving means over the window', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, expectObservable }) => {
      const ep = (episode: number, r: number, l: number): EpisodeEvent => ({
        episode,
        return: r,
        length: l,
        terminated: true,
        truncated: false,
        globalStep: 0,
        info: {},
      });
      const src = cold('-a--b-c|', { a: ep(0, 1, 10), b: ep(1, 3, 20), c: ep(2, -1, 6) });
      expectObservable(src.pipe(summarizeEpisodes(2))).toBe('-x--y-z|', {
        x: { episode: 0, return: 1, length: 10, meanReturn: 1, meanLength: 10 },
        y: { episode: 1, return: 3, length: 20, meanReturn: 2, meanLength: 15 },
        z: { episode: 2, return: -1, length: 6, meanReturn: 1, meanLength: 13 },
      });
    });
    expect(() => summarizeEpisodes(0)).toThrow(/window must be a positive integer/);
  });
});
