// End to end in a real browser: `tfgym play --env Catch-v0 --port 0` served to Debian's headless
// Chromium driven by playwright-core (no browser download: .ci/run installs /usr/bin/chromium).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBuiltinEnvs } from '../../envs/index.js';
import { spaceInfo } from '../../src/viewer/spaces.js';
import { make } from '../../src/core/registry.js';
import { runLiveLoop } from '../../src/viewer/loop.js';
import { ViewerServer } from '../../src/viewer/server.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = process.env['TFGYM_SCREENSHOT'] ?? join('runs', 'e2e', 'viewer-play.png');
const haveBrowser = existsSync(CHROMIUM) && existsSync('dist/viewer/app.js') && existsSync('dist/cli/main.js');

interface PageState {
  frames: number;
  returnPoints: number;
  episodes: number;
  lastStep: { episodeStep: number; info: Record<string, number> } | null;
}

let proc: ChildProcess | null = null;
let context: BrowserContext | null = null;
const profile = mkdtempSync(join(tmpdir(), 'tfgym-chromium-'));

let stopInProcess: (() => Promise<void>) | null = null;

afterAll(async () => {
  await context?.close();
  await stopInProcess?.();
  proc?.kill('SIGTERM');
  rmSync(profile, { recursive: true, force: true });
});

/** Starts `tfgym play` and resolves with the URL it prints. */
function startPlay(): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['bin/tfgym.js', 'play', '--env', 'Catch-v0', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = p;
    let out = '';
    let err = '';
    p.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => reject(new Error(`tfgym play exited with ${code}: ${err}`)));
    setTimeout(() => reject(new Error(`no URL printed; stdout: ${out} stderr: ${err}`)), 30_000);
  });
}

const pageState = (page: Page): Promise<PageState> =>
  page.evaluate(() => (window as unknown as { __tfgym: PageState }).__tfgym);

/**
 * Holds `key` until the paddle moves in `dir` within one episode (or 15 s pass); releases it. Returns the samples seen
 * when it did not move.
 */
async function holdUntilMoved(page: Page, key: string, dir: 1 | -1): Promise<string> {
  await page.keyboard.down(key);
  const seen: string[] = [];
  try {
    let prev: { t: number; x: number } | null = null;
    const t0 = Date.now();
    while (Date.now() - t0 < 15_000) {
      const s = (await pageState(page)).lastStep;
      const cur = s === null ? null : { t: s.episodeStep, x: s.info['paddleX'] ?? NaN };
      if (prev !== null && cur !== null && cur.t > prev.t && dir * (cur.x - prev.x) > 0) return 'moved';
      if (cur !== null && seen.length < 40) seen.push(`${cur.t}:${cur.x}`);
      prev = cur;
      await page.waitForTimeout(40);
    }
    return `did not move; (episodeStep:paddleX) samples ${seen.join(' ')}`;
  } finally {
    await page.keyboard.up(key);
  }
}

// Skipped only on a developer machine without Debian's chromium (`apt-get install chromium`);
// under CI (.ci/run installs it) a missing browser fails instead of silently skipping.
describe.skipIf(!haveBrowser && process.env['CI'] !== 'true')('viewer in headless Chromium', () => {
  it('plays Catch-v0 with the keyboard, draws frames, plots returns, saves a screenshot', async () => {
    const url = await startPlay();
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 820 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);

    // Frames arrive and the canvas is not blank (Catch: white ball and paddle on black).
    await page.waitForFunction(() => (window as unknown as { __tfgym: PageState }).__tfgym.frames > 3, null, {
      timeout: 20_000,
    });
    const canvas = await page.evaluate(() => {
      const c = document.getElementById('screen') as HTMLCanvasElement;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      for (let i = 0; i < d.length; i += 4) if ((d[i] ?? 0) > 128) lit++;
      return { w: c.width, h: c.height, lit };
    });
    expect(canvas.w).toBe(400);
    expect(canvas.h).toBe(400);
    expect(canvas.lit).toBeGreaterThan(100); // ball 20x20 + paddle 50x10 = 900 lit pixels

    // Arrow keys move the paddle, read back from the game state the server streams. An episode
    // may end (and re-centre the paddle) while a key is held, so look for a move between two
    // samples of the same episode.
    await page.waitForFunction(() => (window as unknown as { __tfgym: PageState }).__tfgym.lastStep !== null);
    expect(await holdUntilMoved(page, 'ArrowLeft', -1)).toBe('moved');
    expect(await holdUntilMoved(page, 'ArrowRight', 1)).toBe('moved');

    // A Catch episode lasts about 34 steps at 30 fps: the return curve gets a point.
    await page.waitForFunction(() => (window as unknown as { __tfgym: PageState }).__tfgym.returnPoints >= 1, null, {
      timeout: 20_000,
    });
    expect((await pageState(page)).episodes).toBeGreaterThanOrEqual(1);
    await page.waitForTimeout(400); // the charts redraw at 5 Hz

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);

    // The server goes away: the page says so, and reconnects by itself when it is back.
    const old = proc;
    await new Promise<void>((resolve) => {
      old?.once('exit', () => resolve());
      old?.kill('SIGTERM');
    });
    await page.waitForFunction(
      () => !(window as unknown as { __tfgym: { connected: boolean } }).__tfgym.connected,
      null,
      { timeout: 10_000 },
    );
    expect(await page.textContent('#conn')).toMatch(/offline/);
    const frames = (await pageState(page)).frames;
    // Back on the same port, served in-process this time (a CLI start loads tfjs: slow on a busy box).
    loadBuiltinEnvs();
    const env = make<unknown, number>('Catch-v0', { renderMode: 'rgb_array' });
    const server = await ViewerServer.start({
      port: Number(new URL(url).port),
      hello: {
        mode: 'play',
        envId: 'Catch-v0',
        observationSpace: spaceInfo(env.observationSpace),
        actionSpace: spaceInfo(env.actionSpace),
        actionNames: ['left', 'stay', 'right'],
        fps: 30,
      },
    });
    const ac = new AbortController();
    const loop = runLiveLoop({
      env,
      envId: 'Catch-v0',
      viewer: server,
      policy: () => ({ action: 1 }),
      signal: ac.signal,
    });
    stopInProcess = async () => {
      ac.abort();
      await loop;
      await server.close();
    };
    await page.waitForFunction(
      (n) =>
        (window as unknown as { __tfgym: PageState }).__tfgym.frames > n + 3 ||
        (window as unknown as { __tfgym: PageState }).__tfgym.frames < n,
      frames,
      { timeout: 20_000 },
    );
    expect(await page.textContent('#conn')).toMatch(/live/);
    expect(errors).toEqual([]);
    // Typically ~10 s; the bound is for a heavily shared CI box.
  }, 120_000);
});

// The distribution chart only needs the bundled page (`node scripts/build-viewer.mjs`) and the browser.
const havePage = existsSync(CHROMIUM) && existsSync('dist/viewer/app.js');

describe.skipIf(!havePage && process.env['CI'] !== 'true')('the return distribution chart in headless Chromium', () => {
  it("draws the chosen action's distribution next to the Q bars, only while messages carry one", async () => {
    const server = await ViewerServer.start({
      port: 0,
      log: () => undefined,
      hello: {
        mode: 'watch',
        envId: 'Tiny-v0',
        observationSpace: { type: 'Box', shape: [1], dtype: 'uint8' },
        actionSpace: { type: 'Discrete', shape: [], dtype: 'int32', n: 3 },
        actionNames: ['left', 'stay', 'right'],
        fps: 30,
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'tfgym-chromium-dist-'));
    const ctx = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      viewport: { width: 1280, height: 820 },
    });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
      await page.waitForFunction(() => (window as unknown as { __tfgym: { connected: boolean } }).__tfgym.connected);
      // 51 atoms in [-10, 10]: most mass on the atoms of 4 and 6, mean 5.
      const probs = Array.from({ length: 51 }, (_, i) => (i === 35 || i === 40 ? 0.5 : 0));
      server.publishQValues({ step: 1, values: [1, 5, -2], action: 1, distribution: { vMin: -10, vMax: 10, probs } });
      server.flush();
      const dist = (): Promise<{ action: number; atoms: number; mean: number } | null> =>
        page.evaluate(
          () =>
            (window as unknown as { __tfgym: { distribution: { action: number; atoms: number; mean: number } | null } })
              .__tfgym.distribution,
        );
      await page.waitForFunction(
        () => (window as unknown as { __tfgym: { distribution: unknown } }).__tfgym.distribution !== null,
      );
      expect(await dist()).toEqual({ action: 1, atoms: 51, mean: 5 });
      expect(await page.isVisible('#dist')).toBe(true);
      expect(await page.textContent('#dist-label')).toBe('(stay, mean 5)');
      await page.waitForTimeout(100); // drawn on the next animation frame
      const colours = await page.evaluate(() => {
        const c = document.getElementById('dist') as HTMLCanvasElement;
        const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
        let bars = 0;
        let mean = 0;
        for (let i = 0; i < d.length; i += 4) {
          const [r, g, b] = [d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0];
          if (b > 200 && r < 120) bars++; // #4fb3ff
          if (r > 200 && g > 120 && b < 100) mean++; // #ff9f43
        }
        return { bars, mean };
      });
      expect(colours.bars).toBeGreaterThan(100);
      expect(colours.mean).toBeGreaterThan(50);
      // A message without a distribution (an expected-value agent) hides the chart.
      server.publishQValues({ step: 2, values: [1, 5, -2], action: 1 });
      server.flush();
      await page.waitForFunction(
        () => (window as unknown as { __tfgym: { distribution: unknown } }).__tfgym.distribution === null,
      );
      expect(await page.isVisible('#dist')).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
