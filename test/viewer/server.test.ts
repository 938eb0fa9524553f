import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HumanInput, runLiveLoop, type LiveLoopResult, type LivePolicy } from '../../src/viewer/loop.js';
import { ViewerServer, type ViewerServerOptions } from '../../src/viewer/server.js';
import { Collector, TinyEnv, sleep, waitFor } from './helpers.js';

const staticDir = mkdtempSync(join(tmpdir(), 'tfgym-viewer-'));
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(staticDir, 'secret.txt'), 'not served: unknown type');

interface Rig {
  server: ViewerServer;
  env: TinyEnv;
  logs: string[];
  stop: () => Promise<LiveLoopResult>;
  human: HumanInput;
}
const rigs: Rig[] = [];
const clients: Collector[] = [];

async function rig(
  opts: {
    height?: number;
    width?: number;
    fps?: number;
    length?: number;
    policy?: LivePolicy;
  } & Partial<ViewerServerOptions> = {},
): Promise<Rig> {
  const env = new TinyEnv(opts.height, opts.width, opts.fps ?? 100, opts.length ?? 3);
  const logs: string[] = [];
  const server = await ViewerServer.start({
    port: 0,
    staticDir,
    log: (l) => logs.push(l),
    ...opts,
    hello: {
      mode: 'play',
      envId: 'Tiny-v0',
      observationSpace: { type: 'Box', shape: [1], dtype: 'uint8' },
      actionSpace: { type: 'Discrete', shape: [], dtype: 'int32', n: 3 },
      actionNames: ['left', 'stay', 'right'],
      fps: env.metadata.renderFps,
    },
  });
  const human = new HumanInput(server, 1);
  const ac = new AbortController();
  const done = runLiveLoop({
    env,
    envId: 'Tiny-v0',
    viewer: server,
    policy: opts.policy ?? human.policy,
    signal: ac.signal,
    seed: 1,
  });
  const r: Rig = {
    server,
    env,
    logs,
    human,
    stop: async () => {
      ac.abort();
      const res = await done;
      human.dispose();
      await server.close();
      return res;
    },
  };
  rigs.push(r);
  return r;
}

function client(server: ViewerServer, origin?: string): Collector {
  const c = new Collector(`ws://127.0.0.1:${server.port}/ws`, origin === undefined ? {} : { origin });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of rigs.splice(0)) await r.stop();
});

function httpGet(port: number, path: string, host?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: host === undefined ? {} : { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('viewer server', () => {
  it('serves hello, frames of the right size, steps and episodes; pause stops frames, resume restarts them', async () => {
    const { server } = await rig({ height: 6, width: 8 });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const c = client(server);
    await waitFor(() => c.of('episode').length >= 2 && c.frames.length >= 5, 5000, 'frames and episodes');
    const hello = c.json[0];
    expect(hello?.type).toBe('hello');
    expect(hello).toMatchObject({
      envId: 'Tiny-v0',
      fps: 100,
      actionNames: ['left', 'stay', 'right'],
      mode: 'play',
      version: 1,
    });
    for (const f of c.frames) expect([f.height, f.width, f.channels, f.pixels.length]).toEqual([6, 8, 3, 144]);
    expect(c.of('episode')[0]).toEqual({ type: 'episode', index: 0, return: 0, length: 3 });
    expect(c.of('step').at(-1)?.info).toHaveProperty('pos');

    c.send({ type: 'pause' });
    await waitFor(() => c.of('status').some((s) => s.paused), 2000, 'paused status');
    await sleep(100); // frames already in flight
    const n = c.frames.length;
    await sleep(300);
    expect(c.frames.length).toBe(n);
    expect(server.paused).toBe(true);

    c.send({ type: 'resume' });
    await waitFor(() => c.frames.length > n + 3, 2000, 'frames after resume');
  });

  it('action messages drive the human policy; speed changes the pace', async () => {
    const { server, env } = await rig({ fps: 50, length: 1000 });
    const c = client(server);
    await c.opened();
    c.send({ type: 'action', action: 2 });
    await waitFor(() => env.pos >= 5, 3000, 'paddle moving right');
    c.send({ type: 'action', action: 0 });
    const p = env.pos;
    await waitFor(() => env.pos <= p - 3, 3000, 'moving left');
    c.send({ type: 'action', action: 1 });
    await sleep(60);
    const q = env.pos;
    await sleep(150);
    expect(env.pos).toBe(q);
    c.send({ type: 'speed', value: 4 });
    await waitFor(() => server.speed === 4, 1000, 'speed');
    await waitFor(() => c.of('status').some((s) => s.speed === 4), 1000, 'speed status');
  });

  it('at 8x speed the game steps faster but frames stay near the env fps', async () => {
    const { server } = await rig({ fps: 20, length: 100_000, policy: () => ({ action: 1 }) });
    const c = client(server);
    await c.opened();
    c.send({ type: 'speed', value: 8 });
    await waitFor(() => server.speed === 8, 1000, 'speed');
    await sleep(200);
    const f0 = c.frames.length;
    const s0 = c.of('step').at(-1)?.step ?? 0;
    const t0 = performance.now();
    await sleep(1000);
    const dt = (performance.now() - t0) / 1000;
    const steps = ((c.of('step').at(-1)?.step ?? 0) - s0) / dt;
    const frames = (c.frames.length - f0) / dt;
    expect(steps).toBeGreaterThan(20 * 2); // well above 1x (generous for a loaded box)
    expect(frames).toBeLessThanOrEqual(20 * 2 + 2); // never more than twice the fps
  });

  it("calls a policy's reset before every episode, the first one included (recurrent policies start from zeros)", async () => {
    const env = new TinyEnv(6, 8, 1000, 2);
    const server = await ViewerServer.start({
      port: 0,
      staticDir,
      log: () => {},
      hello: {
        mode: 'watch',
        envId: 'Tiny-v0',
        observationSpace: { type: 'Box', shape: [1], dtype: 'uint8' },
        actionSpace: { type: 'Discrete', shape: [], dtype: 'int32', n: 3 },
        actionNames: ['left', 'stay', 'right'],
        fps: env.metadata.renderFps,
      },
    });
    const calls: string[] = [];
    const policy: LivePolicy = Object.assign(
      () => {
        calls.push('act');
        return { action: 1 };
      },
      { reset: () => calls.push('reset') },
    );
    const res = await runLiveLoop({
      env,
      envId: 'Tiny-v0',
      viewer: server,
      policy,
      episodes: 2,
      onlyWhenWatched: false,
    });
    await server.close();
    expect(res.episodes).toBe(2);
    expect(calls).toEqual(['reset', 'act', 'act', 'reset', 'act', 'act', 'reset']);
  });

  it('binds another address when asked and prints a usable URL', async () => {
    const { server } = await rig({ host: '0.0.0.0' });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    // Not a loopback-only bind: any Host is served, but the Origin must still match it.
    expect((await httpGet(server.port, '/', `my-box.local:${server.port}`)).status).toBe(200);
    const evil = client(server, 'http://evil.example');
    await waitFor(() => evil.closed, 2000, 'foreign origin refused');
    // Beyond loopback a client must name its origin: a program without one is refused.
    const anonymous = client(server);
    await waitFor(() => anonymous.closed, 2000, 'no Origin refused on a network bind');
    const own = client(server, `http://127.0.0.1:${server.port}`);
    await waitFor(() => own.of('hello').length === 1, 2000, 'own origin accepted');
  });

  it('set-epsilon is applied only where the host offers it', async () => {
    const a = await rig();
    const ca = client(a.server);
    await ca.opened();
    ca.send({ type: 'set-epsilon', value: 0.3 });
    await sleep(100);
    expect(a.server.epsilon).toBeNull();
    const b = await rig({ epsilon: 0.05 });
    const cb = client(b.server);
    await cb.opened();
    cb.send({ type: 'set-epsilon', value: 0.3 });
    await waitFor(() => b.server.epsilon === 0.3, 1000, 'epsilon');
  });

  it('serves the page, 404s the rest, and refuses foreign hosts and origins', async () => {
    const { server, logs } = await rig();
    const port = server.port;
    const page = await httpGet(port, '/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    expect((await httpGet(port, '/secret.txt')).status).toBe(404);
    expect((await httpGet(port, '/../../etc/passwd')).status).toBe(404);
    expect((await httpGet(port, '/', `localhost:${port}`)).status).toBe(200);
    expect((await httpGet(port, '/', `evil.example:${port}`)).status).toBe(403);

    const evil = client(server, 'http://evil.example');
    await waitFor(() => evil.closed, 2000, 'foreign origin refused');
    expect(evil.json).toHaveLength(0);
    // Same host, other scheme: an https page is another site.
    const https = client(server, `https://127.0.0.1:${port}`);
    await waitFor(() => https.closed, 2000, 'https origin refused');
    expect(https.json).toHaveLength(0);
    const good = client(server, `http://127.0.0.1:${port}`);
    await waitFor(() => good.of('hello').length === 1, 2000, 'same-origin hello');
    // On a loopback bind a local program may omit the Origin.
    const local = client(server);
    await waitFor(() => local.of('hello').length === 1, 2000, 'loopback program without Origin');
    expect(logs.some((l) => /Origin/.test(l))).toBe(true);
  });

  it('ignores malformed and unknown messages (logged once), closes oversized ones, keeps serving everyone', async () => {
    const { server, logs } = await rig({ maxMessageBytes: 256 });
    const bad = client(server);
    const good = client(server);
    await bad.opened();
    await good.opened();
    for (const m of [
      'garbage',
      '{"type":"nope"}',
      '{"type":"action","action":99}',
      '{"type":"speed","value":-1}',
      '[1,2]',
    ])
      bad.send(m);
    bad.ws.send(Buffer.from([1, 2, 3]));
    await sleep(100);
    expect(logs.filter((l) => /malformed/.test(l))).toHaveLength(1);
    const before = bad.frames.length;
    await waitFor(() => bad.frames.length > before + 2, 2000, 'still served after garbage');
    bad.send('x'.repeat(1000));
    await waitFor(() => bad.closed, 2000, 'oversized message closes that socket');
    const n = good.frames.length;
    await waitFor(() => good.frames.length > n + 3, 2000, 'other client unaffected');
    expect(server.clientCount).toBe(1);
  });

  it('a client that never reads loses frames but neither grows memory nor slows the env loop', async () => {
    // 120 KB frames at 100 fps: 12 MB/s that a stalled client cannot absorb.
    const fps = 100;
    const { server } = await rig({
      height: 200,
      width: 200,
      fps,
      length: 50,
      maxBufferedBytes: 1 << 20,
      policy: () => ({ action: 1 }),
    });
    const fast = client(server);
    await fast.opened();
    const raw = await stalledClient(server.port);
    await waitFor(() => server.clientCount === 2, 2000, 'both clients');
    const stepsOf = (): number => fast.of('step').at(-1)?.step ?? 0;
    await sleep(300);
    const mem0 = process.memoryUsage();
    const s0 = stepsOf();
    const t0 = performance.now();
    let maxBuffered = 0;
    while (performance.now() - t0 < 1500) {
      await sleep(20);
      for (const ws of (server as unknown as { clients: Set<{ ws: { bufferedAmount: number } }> }).clients) {
        maxBuffered = Math.max(maxBuffered, ws.ws.bufferedAmount);
      }
    }
    const dt = (performance.now() - t0) / 1000;
    const sps = (stepsOf() - s0) / dt;
    const mem1 = process.memoryUsage();
    raw.destroy();
    // The stall really happened: the server had to hold data back for that client.
    expect(maxBuffered).toBeGreaterThan(100_000);
    // The stalled socket's queue is capped near maxBufferedBytes plus one frame (and some kernel-side slack).
    expect(maxBuffered).toBeLessThan((1 << 20) + 200 * 200 * 3 + 16 + 65536);
    expect(mem1.arrayBuffers + mem1.heapUsed - (mem0.arrayBuffers + mem0.heapUsed)).toBeLessThan(32 * 1024 * 1024);
    // The env keeps its pace (generous: 40% of the nominal fps on a loaded 2-core CI box).
    expect(sps).toBeGreaterThan(fps * 0.4);
    // And the healthy client kept receiving frames.
    expect(fast.frames.length).toBeGreaterThan(fps * 0.4);
  });
});

/** Opens a websocket by hand and then never reads from the socket again. */
function stalledClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    s.once('data', (d: Buffer) => {
      if (!d.toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error('handshake failed'));
      s.pause();
      resolve(s);
    });
    s.on('error', () => undefined);
  });
}
