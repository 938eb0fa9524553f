/**
 * A tiny deterministic env for the env-core tests. Pixel (y, x, c) at step t of an episode is
 * `pixel(t, y, x, c, offset) = (offset + 17 t + 7 y + 3 x + 5 c) mod 256`, where `offset` is drawn
 * from the env's Rng at every reset (so seeding is observable). The reward of step t (1-based)
 * is `REWARDS[(t - 1) mod 5] * (action + 1)`; the episode terminates after `length` steps.
 */
import { Box, Discrete } from '../../../src/core/spaces.js';
import { BaseEnv } from '../../../src/core/env-base.js';
import type { EnvMetadata, Info, RgbFrame, StepResult } from '../../../src/core/env.js';

export const REWARDS = [1.5, -2, 0, 0.25, -0.5] as const;

export function pixel(t: number, y: number, x: number, c: number, offset: number): number {
  return (offset + 17 * t + 7 * y + 3 * x + 5 * c) % 256;
}

export interface ToyOptions {
  height?: number;
  width?: number;
  channels?: number;
  length?: number;
  renderMode?: 'rgb_array' | 'ansi' | null;
}

export class ToyEnv extends BaseEnv<Uint8Array, number> {
  readonly observationSpace: Box<'uint8'>;
  readonly actionSpace = new Discrete(3);
  readonly metadata: EnvMetadata;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly length: number;
  t = 0;
  offset = 0;
  /** Actions received, for asserting what wrappers passed down. */
  readonly actions: number[] = [];
  private readonly obs: Uint8Array;
  private readonly frame: Uint8Array;

  constructor(opts: ToyOptions = {}) {
    super(opts.renderMode ?? null);
    this.h = opts.height ?? 2;
    this.w = opts.width ?? 3;
    this.c = opts.channels ?? 3;
    this.length = opts.length ?? 5;
    this.observationSpace = new Box(0, 255, [this.h, this.w, this.c], 'uint8');
    this.metadata = { renderModes: ['rgb_array', 'ansi'], renderFps: 30, renderShape: [this.h, this.w, 3] };
    this.obs = new Uint8Array(this.h * this.w * this.c);
    this.frame = new Uint8Array(this.h * this.w * 3);
  }

  private draw(): Uint8Array {
    let i = 0;
    for (let y = 0; y < this.h; y++)
      for (let x = 0; x < this.w; x++)
        for (let c = 0; c < this.c; c++) this.obs[i++] = pixel(this.t, y, x, c, this.offset);
    return this.obs;
  }

  protected resetEpisode(): [Uint8Array, Info] {
    this.t = 0;
    this.offset = this.rng.nextInt(256);
    return [this.draw(), { t: 0, offset: this.offset }];
  }

  protected stepEpisode(action: number): StepResult<Uint8Array> {
    this.actions.push(action);
    this.t++;
    const r = (REWARDS[(this.t - 1) % 5] as number) * (action + 1);
    return [this.draw(), r, this.t >= this.length, false, { t: this.t }];
  }

  protected override renderRgb(): RgbFrame {
    for (let y = 0; y < this.h; y++)
      for (let x = 0; x < this.w; x++)
        for (let c = 0; c < 3; c++) this.frame[(y * this.w + x) * 3 + c] = pixel(this.t, y, x, c, this.offset);
    return { data: this.frame, height: this.h, width: this.w };
  }

  protected override renderAnsi(): string {
    return `t=${this.t}`;
  }
}
