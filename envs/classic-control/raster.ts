/**
 * A tiny RGB rasteriser for the classic-control frames: filled polygons, filled circles and
 * one-pixel lines on a `height x width x 3` Uint8Array.
 *
 * Coordinates are those of Gymnasium's pygame drawing before its final vertical flip: x to the
 * right, y up from the bottom row (y = 0 is the bottom of the frame). A pixel (column c, row r
 * from the bottom) covers [c, c + 1) x [r, r + 1); shapes fill the pixels whose centres they
 * contain. Drawing is plain (no anti-aliasing), so frames resemble Gymnasium's but are not equal
 * to them pixel for pixel.
 */

/** An RGB colour, each channel 0-255. */
export type Rgb = readonly [r: number, g: number, b: number];

/** A point `[x, y]` in drawing coordinates (y up). */
export type Point = readonly [x: number, y: number];

/** A frame being drawn: `data` is `height * width * 3` bytes, row-major from the top row. */
export class Canvas {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    data?: Uint8Array,
  ) {
    this.data = data ?? new Uint8Array(width * height * 3);
    if (this.data.length !== width * height * 3) {
      throw new RangeError(`Canvas: data must have ${width * height * 3} bytes. Received: ${this.data.length}`);
    }
  }

  /** Fills the whole frame with `color`. */
  clear(color: Rgb): void {
    const d = this.data;
    for (let i = 0; i < d.length; i += 3) {
      d[i] = color[0];
      d[i + 1] = color[1];
      d[i + 2] = color[2];
    }
  }

  /** Sets the pixel at column `x`, row `y` from the bottom (ignored outside the frame). */
  setPixel(x: number, y: number, color: Rgb): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    const i = ((this.height - 1 - y) * this.width + x) * 3;
    this.data[i] = color[0];
    this.data[i + 1] = color[1];
    this.data[i + 2] = color[2];
  }

  /** Fills the pixels from column `x0` to `x1` (inclusive) of row `y`. */
  private span(x0: number, x1: number, y: number, color: Rgb): void {
    const a = Math.max(0, x0);
    const b = Math.min(this.width - 1, x1);
    for (let x = a; x <= b; x++) this.setPixel(x, y, color);
  }

  /** Fills a simple polygon (even-odd rule on pixel centres). */
  fillPolygon(points: readonly Point[], color: Rgb): void {
    if (points.length < 3) return;
    let minY = Infinity;
    let maxY = -Infinity;
    for (const [, y] of points) {
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    const rowLo = Math.max(0, Math.floor(minY));
    const rowHi = Math.min(this.height - 1, Math.ceil(maxY));
    const xs: number[] = [];
    for (let row = rowLo; row <= rowHi; row++) {
      const yc = row + 0.5;
      xs.length = 0;
      for (let i = 0; i < points.length; i++) {
        const [xa, ya] = points[i] as Point;
        const [xb, yb] = points[(i + 1) % points.length] as Point;
        // Half-open in y so a vertex shared by two edges counts once.
        if (ya <= yc === yb <= yc) continue;
        xs.push(xa + ((yc - ya) * (xb - xa)) / (yb - ya));
      }
      xs.sort((p, q) => p - q);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Pixels whose centre c + 0.5 lies in [xs[k], xs[k + 1]).
        this.span(Math.ceil((xs[k] as number) - 0.5), Math.ceil((xs[k + 1] as number) - 0.5) - 1, row, color);
      }
    }
  }

  /** Fills the disc of radius `r` (pixels) centred on pixel (`cx`, `cy`). */
  fillCircle(cx: number, cy: number, r: number, color: Rgb): void {
    const x0 = Math.round(cx);
    const y0 = Math.round(cy);
    const rr = Math.floor(r);
    for (let dy = -rr; dy <= rr; dy++) {
      const half = Math.floor(Math.sqrt(r * r - dy * dy));
      this.span(x0 - half, x0 + half, y0 + dy, color);
    }
  }

  /** A one-pixel line between two points (Bresenham on the rounded end points). */
  line(a: Point, b: Point, color: Rgb): void {
    let x0 = Math.round(a[0]);
    let y0 = Math.round(a[1]);
    const x1 = Math.round(b[0]);
    const y1 = Math.round(b[1]);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    // Clipped per pixel; bounded by the frame's diagonal for lines far outside it.
    for (let n = 0; n <= dx - dy; n++) {
      this.setPixel(x0, y0, color);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }
}

/** `p` rotated by `angle` radians counter-clockwise about the origin, then moved by `(dx, dy)`. */
export function rotateTranslate(p: Point, angle: number, dx: number, dy: number): Point {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [p[0] * c - p[1] * s + dx, p[0] * s + p[1] * c + dy];
}
