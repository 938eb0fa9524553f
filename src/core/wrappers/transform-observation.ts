/**
 * Wrappers that transform each observation on its own (Gymnasium's `transform_observation`):
 * `TransformObservation`, and for uint8 HWC frames `GrayScale`, `Resize` and `ScaleObservation`.
 * The image ones write into one buffer they own and return it: an observation is valid until the
 * wrapper's next `reset`/`step` (copy it to keep it).
 */
import type { Env, Space } from '../env.js';
import { createResizer, type Interpolation, type Resizer } from '../../image/resize.js';
import { Box, shapeSize } from '../spaces.js';
import { ObservationWrapper, requireBox } from './wrapper.js';

/**
 * OpenCV's fixed-point RGB->gray weights (`cvtColor(..., COLOR_RGB2GRAY)` on uint8): 0.299, 0.587, 0.114 scaled by
 * 2^15.
 */
export const GRAY_R = 9798;
/** Green weight, see {@link GRAY_R}. */
export const GRAY_G = 19235;
/** Blue weight, see {@link GRAY_R}. */
export const GRAY_B = 3735;

/**
 * Converts an RGB pixel to gray exactly as OpenCV does for uint8 (`COLOR_RGB2GRAY`):
 * `(9798 R + 19235 G + 3735 B + 2^14) >> 15`, i.e. ITU-R BT.601 luma rounded half up.
 */
export function rgbToGray(r: number, g: number, b: number): number {
  return (r * GRAY_R + g * GRAY_G + b * GRAY_B + 16384) >> 15;
}

/**
 * uint8 `[H, W, 3]` RGB observations to gray `[H, W, 1]` (or `[H, W]` with `keepDim: false`),
 * bit-exact with OpenCV's `cvtColor(frame, COLOR_RGB2GRAY)` (see {@link rgbToGray}).
 */
export class GrayScale<Act> extends ObservationWrapper<Uint8Array, Act, Uint8Array> {
  private readonly space: Box<'uint8'>;
  private readonly out: Uint8Array;

  constructor(env: Env<Uint8Array, Act>, opts: { keepDim?: boolean } = {}) {
    super(env);
    const box = requireBox(env.observationSpace, 'GrayScale', 'uint8');
    const [h, w, c] = box.shape;
    if (box.shape.length !== 3 || c !== 3 || h === undefined || w === undefined) {
      throw new TypeError(`GrayScale needs [H, W, 3] RGB observations. Received shape [${box.shape.join(', ')}]`);
    }
    this.space = new Box(0, 255, opts.keepDim === false ? [h, w] : [h, w, 1], 'uint8');
    this.out = new Uint8Array(h * w);
  }

  override get observationSpace(): Space<Uint8Array> {
    return this.space;
  }

  observation(obs: Uint8Array): Uint8Array {
    const out = this.out;
    for (let i = 0, j = 0; i < out.length; i++, j += 3) {
      out[i] =
        ((obs[j] as number) * GRAY_R + (obs[j + 1] as number) * GRAY_G + (obs[j + 2] as number) * GRAY_B + 16384) >> 15;
    }
    return out;
  }
}

/**
 * Resizes uint8 `[H, W, C]` (or `[H, W]`) observations to `[h, w, C]` (`[h, w]`) with OpenCV's
 * semantics (see `src/image/resize.ts`; `'area'` is what Atari preprocessing uses).
 */
export class Resize<Act> extends ObservationWrapper<Uint8Array, Act, Uint8Array> {
  private readonly space: Box<'uint8'>;
  private readonly out: Uint8Array;
  private readonly resizer: Resizer;

  constructor(
    env: Env<Uint8Array, Act>,
    readonly height: number,
    readonly width: number,
    readonly interpolation: Interpolation = 'area',
  ) {
    super(env);
    const box = requireBox(env.observationSpace, 'Resize', 'uint8');
    const [sh, sw, c = 1] = box.shape;
    if ((box.shape.length !== 2 && box.shape.length !== 3) || sh === undefined || sw === undefined) {
      throw new TypeError(`Resize needs [H, W] or [H, W, C] observations. Received shape [${box.shape.join(', ')}]`);
    }
    this.resizer = createResizer(sh, sw, c, height, width, interpolation);
    this.space = new Box(0, 255, box.shape.length === 3 ? [height, width, c] : [height, width], 'uint8');
    this.out = new Uint8Array(shapeSize(this.space.shape));
  }

  override get observationSpace(): Space<Uint8Array> {
    return this.space;
  }

  observation(obs: Uint8Array): Uint8Array {
    return this.resizer(obs, this.out);
  }
}

/** uint8 observations to float32 in [0, 1] (`v / 255`, rounded to float32), same shape. */
export class ScaleObservation<Act> extends ObservationWrapper<Float32Array, Act, Uint8Array> {
  private readonly space: Box<'float32'>;
  private readonly out: Float32Array;

  constructor(env: Env<Uint8Array, Act>) {
    super(env);
    const box = requireBox(env.observationSpace, 'ScaleObservation', 'uint8');
    this.space = new Box(
      Array.from(box.low, (v) => v / 255),
      Array.from(box.high, (v) => v / 255),
      box.shape,
      'float32',
    );
    this.out = new Float32Array(box.size);
  }

  override get observationSpace(): Space<Float32Array> {
    return this.space;
  }

  observation(obs: Uint8Array): Float32Array {
    const out = this.out;
    for (let i = 0; i < out.length; i++) out[i] = (obs[i] as number) / 255;
    return out;
  }
}

/** Maps observations through `fn`, declaring the resulting space (Gymnasium's `TransformObservation`). */
export class TransformObservation<Obs, Act, InnerObs> extends ObservationWrapper<Obs, Act, InnerObs> {
  constructor(
    env: Env<InnerObs, Act>,
    private readonly fn: (obs: InnerObs) => Obs,
    private readonly space: Space<Obs>,
  ) {
    super(env);
  }

  override get observationSpace(): Space<Obs> {
    return this.space;
  }

  observation(obs: InnerObs): Obs {
    return this.fn(obs);
  }
}
