/** Test helpers for the viewer: a tiny rendered env, a collecting ws client, polling. */
import { WebSocket } from 'ws';
import { BaseEnv } from '../../src/core/env-base.js';
import type { EnvMetadata, Info, RgbFrame, StepResult } from '../../src/core/env.js';
import { decodeFrame, decodeServerMessage, type FrameMessage, type ServerMessage } from '../../src/viewer/protocol.js';
import { Box, Discrete } from '../../src/core/spaces.js';

/** A 3-action env whose episodes last `length` steps; frame `height` x `width` RGB; return = count of action 2. */
export class TinyEnv extends BaseEnv<Uint8Array, number> {
  readonly observationSpace: Box<'uint8'>;
  readonly actionSpace = new Discrete(3);
  readonly metadata: EnvMetadata;
  pos = 0;
  /** How many frames were rendered (the viewer should render only the frames it shows). */
  renders = 0;
  private t = 0;
  private readonly obs = new Uint8Array(1);
  private readonly rgb: Uint8Array;

  constructor(
    readonly height = 6,
    readonly width = 8,
    fps = 100,
    readonly length = 3,
  ) {
    super('rgb_array');
    this.observationSpace = new Box(0, 255, [1], 'uint8');
    this.metadata = {
      renderModes: ['rgb_array'],
      renderFps: fps,
      actionNames: ['left', 'stay', 'right'],
      renderShape: [height, width, 3],
    };
    this.rgb = new Uint8Array(height * width * 3);
  }
  protected resetEpisode(): [Uint8Array, Info] {
    this.t = 0;
    return [this.obs, { pos: this.pos }];
  }
  protected stepEpisode(a: number): StepResult<Uint8Array> {
    this.t++;
    this.pos += a - 1;
    return [this.obs, a === 2 ? 1 : 0, this.t >= this.length, false, { pos: this.pos }];
  }
  protected override renderRgb(): RgbFrame {
    this.renders++;
    this.rgb.fill(0);
    this.rgb[(this.t % (this.height * this.width)) * 3] = 255;
    return { data: this.rgb, height: this.height, width: this.width };
  }
}

/** A ws client that records every message it receives. */
export class Collector {
  readonly json: ServerMessage[] = [];
  readonly frames: FrameMessage[] = [];
  readonly ws: WebSocket;
  closed = false;
  constructor(url: string, opts: { origin?: string } = {}) {
    this.ws = new WebSocket(url, opts.origin === undefined ? {} : { origin: opts.origin });
    this.ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) {
        const f = decodeFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
        if (f !== null) this.frames.push(f);
      } else {
        const m = decodeServerMessage(buf.toString('utf8'));
        if (m !== null) this.json.push(m);
      }
    });
    this.ws.on('close', () => (this.closed = true));
    this.ws.on('error', () => (this.closed = true));
  }
  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.json.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === this.ws.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }
  send(obj: unknown): void {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }
  close(): void {
    this.ws.terminate();
  }
}

/** Polls `cond` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `tfgym train` arguments of a DQN small enough to train on bsuite Catch in about a second. */
export const TINY_CATCH_DQN: readonly string[] = [
  'dqn',
  '--env',
  'bsuite/Catch-v0',
  '--total-steps',
  '60',
  '--learning-starts',
  '20',
  '--batch-size',
  '8',
  '--buffer-size',
  '100',
  '--hidden-sizes',
  '16',
];
