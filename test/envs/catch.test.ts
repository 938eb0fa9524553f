import { describe, expect, it } from 'vitest';
import { CatchEnv } from '../../envs/catch/env.js';
import {
  catchGeometry,
  initial,
  movePaddle,
  observe,
  rectsOverlap,
  render,
  renderAnsi,
  transition,
  type CatchState,
} from '../../envs/catch/game.js';
import { Rng } from '../../src/rng/rng.js';

const g = catchGeometry(400);

/** Runs `action` until the episode ends; returns the last transition and the step count. */
function playOut(s0: CatchState, action: number) {
  let s = s0;
  for (let n = 1; ; n++) {
    const t = transition(g, s, action);
    if (t.terminated || n > 100) return { ...t, n };
    s = t.state;
  }
}

describe('Catch-v0 rules (hand-computed, 400x400)', () => {
  it('the book geometry', () => {
    expect(g).toEqual({
      size: 400,
      ball: 20,
      paddleWidth: 50,
      paddleHeight: 10,
      floorY: 350,
      ceilingY: 10,
      ballSpeed: 10,
      paddleSpeed: 20,
      catchY: 340,
    });
  });

  it('the ball falls 10 px per step, x fixed, reward 0 while falling', () => {
    const t = transition(g, { ballX: 123, ballY: 10, paddleX: 200 }, 1);
    expect(t).toEqual({ state: { ballX: 123, ballY: 20, paddleX: 200 }, reward: 0, terminated: false });
    // y = 330 -> 340 reaches the catch line (340 = 350 - 20/2); y = 320 -> 330 does not.
    expect(transition(g, { ballX: 0, ballY: 320, paddleX: 200 }, 1).terminated).toBe(false);
    expect(transition(g, { ballX: 0, ballY: 330, paddleX: 200 }, 1).terminated).toBe(true);
  });

  it('every episode lasts (340 - 10) / 10 = 33 steps', () => {
    expect(playOut({ ballX: 200, ballY: 10, paddleX: 200 }, 1).n).toBe(33);
  });

  it('paddle moves 20 px; bounces to 20 past the left wall and to 330 past the right', () => {
    expect(movePaddle(g, 200, 0)).toBe(180);
    expect(movePaddle(g, 200, 1)).toBe(200);
    expect(movePaddle(g, 200, 2)).toBe(220);
    expect(movePaddle(g, 20, 0)).toBe(0); // 0 is not past the wall
    expect(movePaddle(g, 0, 0)).toBe(20); // -20 < 0 -> 20
    expect(movePaddle(g, 330, 2)).toBe(350); // 350 is the last legal x (350 + 50 = 400)
    expect(movePaddle(g, 340, 2)).toBe(330); // 360 > 350 -> 330
    expect(movePaddle(g, 350, 2)).toBe(330);
  });

  it('catch and miss at the edges of the overlap (strict, as colliderect)', () => {
    // Paddle at x = 200 covers [200, 250); the ball covers [x, x + 20): it overlaps iff 180 < x < 250.
    const end = (ballX: number, paddleX = 200, action = 1) => transition(g, { ballX, ballY: 330, paddleX }, action);
    expect(end(181)).toMatchObject({ reward: 1, terminated: true });
    expect(end(180)).toMatchObject({ reward: -1, terminated: true }); // right edge touches the paddle's left edge
    expect(end(249)).toMatchObject({ reward: 1, terminated: true });
    expect(end(250)).toMatchObject({ reward: -1, terminated: true }); // left edge touches the paddle's right edge
    // The paddle moves before the check: from 200 left to 180 catches a ball at 170 ([170,190) vs [180,230)).
    expect(end(170, 200, 0)).toMatchObject({ reward: 1, state: { paddleX: 180 } });
    expect(end(170, 200, 2)).toMatchObject({ reward: -1, state: { paddleX: 220 } });
    // The ball at the far right edge (x = 400) is off screen: always a miss, even with the paddle at 350.
    expect(end(400, 350)).toMatchObject({ reward: -1 });
    expect(end(381, 350)).toMatchObject({ reward: 1 });
    // Vertically the final ball [340, 360) overlaps the paddle [350, 360).
    expect(rectsOverlap(0, 340, 20, 20, 0, 350, 50, 10)).toBe(true);
    expect(rectsOverlap(0, 330, 20, 20, 0, 350, 50, 10)).toBe(false);
  });

  it('initial: ball x uniform over [0, size] both ends included, y = 10, paddle at 200', () => {
    const g40 = catchGeometry(40);
    const rng = new Rng(1);
    const seen = new Set<number>();
    const others = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const s = initial(g40, rng);
      others.add(`${s.ballY},${s.paddleX}`);
      seen.add(s.ballX);
    }
    expect([...others]).toEqual(['1,20']);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(initial(g, new Rng(3))).toMatchObject({ ballY: 10, paddleX: 200 });
  });
});

describe('Catch frames', () => {
  it('draws ball and paddle white on black, clipped at the edge (40x40)', () => {
    const g40 = catchGeometry(40);
    expect(g40).toMatchObject({
      ball: 2,
      paddleWidth: 5,
      paddleHeight: 1,
      floorY: 35,
      ceilingY: 1,
      ballSpeed: 1,
      paddleSpeed: 2,
      catchY: 34,
    });
    const out = new Uint8Array(1600).fill(7);
    observe(g40, { ballX: 39, ballY: 1, paddleX: 20 }, out);
    const white: number[] = [];
    let other = 0;
    out.forEach((v, i) => {
      if (v === 255) white.push(i);
      else if (v !== 0) other++;
    });
    expect(other).toBe(0);
    // Ball: column 39 only (40 is clipped), rows 1 and 2; paddle: row 35, columns 20..24.
    expect(white).toEqual([
      1 * 40 + 39,
      2 * 40 + 39,
      35 * 40 + 20,
      35 * 40 + 21,
      35 * 40 + 22,
      35 * 40 + 23,
      35 * 40 + 24,
    ]);
    observe(g40, { ballX: 40, ballY: 1, paddleX: 0 }, out);
    expect(out.reduce((a, v) => a + (v ? 1 : 0), 0)).toBe(5);
  });

  it('400x400 frame has 20*20 + 50*10 white pixels; rgb repeats the value in 3 channels', () => {
    const s = { ballX: 100, ballY: 10, paddleX: 200 };
    const f = observe(g, s, new Uint8Array(400 * 400));
    expect(f.reduce((a, v) => a + (v === 255 ? 1 : 0), 0)).toBe(400 + 500);
    expect(f[10 * 400 + 100]).toBe(255);
    expect(f[10 * 400 + 99]).toBe(0);
    expect(f[29 * 400 + 119]).toBe(255);
    expect(f[30 * 400 + 119]).toBe(0);
    const rgb = render(g, s, new Uint8Array(400 * 400 * 3));
    for (let i = 0; i < f.length; i += 997)
      expect([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]]).toEqual([f[i], f[i], f[i]]);
    expect(() => observe(g, s, new Uint8Array(10))).toThrow(/160000/);
  });

  it('ansi board: 40x40 characters, 10 book pixels each', () => {
    const txt = renderAnsi(g, { ballX: 0, ballY: 10, paddleX: 350 }).split('\n');
    expect(txt).toHaveLength(40);
    expect(txt[1]).toBe(`oo${'.'.repeat(38)}`);
    expect(txt[35]).toBe(`${'.'.repeat(35)}#####`);
  });
});

describe('CatchEnv', () => {
  it('spaces, metadata, info and a seeded episode that ends after 33 steps', () => {
    const env = new CatchEnv();
    expect(env.observationSpace.toString()).toBe('Box(0, 255, [400, 400, 1], uint8)');
    expect(env.actionSpace.toString()).toBe('Discrete(3)');
    expect(env.metadata.actionNames).toEqual(['left', 'stay', 'right']);
    const [obs, info] = env.reset({ seed: 5 });
    expect(obs.length).toBe(160000);
    expect(info).toEqual({ ballX: info['ballX'], ballY: 10, paddleX: 200 });
    let n = 0;
    let last: ReturnType<CatchEnv['step']>;
    do {
      last = env.step(2);
      n++;
      expect(last[4]).toEqual({ ballX: info['ballX'], ballY: 10 + 10 * n, paddleX: env.gameState.paddleX });
    } while (!last[2]);
    expect(n).toBe(33);
    expect(Math.abs(last[1])).toBe(1);
    expect(() => env.step(1)).toThrow(/reset/);
  });

  it('same seed gives the same ball; reset() continues the stream', () => {
    const xs = (seed: number) => {
      const env = new CatchEnv({ size: 40 });
      const out = [env.reset({ seed })[1]['ballX']];
      for (let i = 0; i < 5; i++) out.push(env.reset()[1]['ballX']);
      return out;
    };
    expect(xs(7)).toEqual(xs(7));
    // Never seeded = seeded with 0 (BaseEnv's rule), for both Catch envs.
    expect(new CatchEnv().reset()[1]).toEqual(new CatchEnv().reset({ seed: 0 })[1]);
    expect(new Set(xs(7)).size).toBeGreaterThan(1);
  });

  it('rejects sizes that would change the rules', () => {
    expect(() => new CatchEnv({ size: 100 })).toThrow(/400, 200, 80, 40/);
  });

  it('renders rgb frames of the declared shape without touching the observation', () => {
    const env = new CatchEnv({ size: 80, renderMode: 'rgb_array' });
    const [obs] = env.reset({ seed: 1 });
    const copy = obs.slice();
    const f = env.render() as { data: Uint8Array; height: number; width: number };
    expect([f.height, f.width, f.data.length]).toEqual([80, 80, 80 * 80 * 3]);
    expect(Buffer.compare(obs, copy)).toBe(0);
  });
});
