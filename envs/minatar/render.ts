/**
 * Atari-style colour frames and text grids of MinAtar observations.
 *
 * Frames are drawn from the observation itself (what the agent sees), one solid square per grid
 * cell, with a fixed colour per channel. Colours were picked so that their luminance
 * (0.299 R + 0.587 G + 0.114 B, the grayscale the Atari pipeline applies) differs between
 * channels that can share a row, so the information survives the grayscale step; where two
 * channels overlap on a cell the one nearer the front of the game's `drawOrder` wins.
 */
import { GRID } from './types.js';

type Rgb = readonly [number, number, number];

/** Colour of each channel, in channel order, per reference game name. */
export const MINATAR_PALETTES: Readonly<Record<string, readonly Rgb[]>> = {
  // paddle, ball, trail, brick
  breakout: [
    [200, 72, 72],
    [236, 236, 236],
    [72, 72, 200],
    [66, 158, 130],
  ],
  // player, enemy, trail, gold
  asterix: [
    [252, 252, 84],
    [214, 92, 92],
    [84, 92, 214],
    [252, 188, 116],
  ],
  // chicken, car, trails of speed 1 (fastest, brightest) to 5
  freeway: [
    [252, 252, 84],
    [180, 50, 50],
    [255, 190, 80],
    [230, 160, 60],
    [200, 130, 50],
    [160, 105, 50],
    [100, 60, 40],
  ],
  // sub_front, sub_back, friendly_bullet, trail, enemy_bullet, enemy_fish, enemy_sub, oxygen, diver gauge, diver
  seaquest: [
    [252, 252, 84],
    [190, 190, 80],
    [255, 255, 255],
    [40, 48, 170],
    [255, 60, 60],
    [90, 200, 90],
    [150, 50, 190],
    [100, 255, 255],
    [66, 156, 236],
    [66, 156, 236],
  ],
  // cannon, alien (always under a direction channel), alien_left, alien_right, friendly_bullet, enemy_bullet
  space_invaders: [
    [252, 252, 84],
    [150, 150, 150],
    [134, 214, 94],
    [214, 134, 94],
    [255, 255, 255],
    [255, 80, 80],
  ],
};

/** One character per channel for `ansi` rendering, per reference game name. */
export const MINATAR_GLYPHS: Readonly<Record<string, string>> = {
  breakout: 'Po.#',
  asterix: 'PE.$',
  freeway: 'Cc12345',
  seaquest: 'S<-.=fsOd&',
  space_invaders: 'AX<>|!',
};

/**
 * Draws observation `obs` (`[10][10][channels]`) of `game` as an RGB frame of
 * `10 * cellSize` square pixels into `out` (length `(10 * cellSize)^2 * 3`), which it returns.
 */
export function drawFrame(
  game: string,
  drawOrder: readonly number[],
  obs: Uint8Array,
  cellSize: number,
  out: Uint8Array,
): Uint8Array {
  const palette = MINATAR_PALETTES[game];
  if (palette === undefined) throw new RangeError(`No palette for MinAtar game '${game}'`);
  const C = palette.length;
  const width = GRID * cellSize;
  const rowBytes = width * 3;
  for (let r = 0; r < GRID; r++) {
    const top = r * cellSize * rowBytes;
    // Paint the first pixel row of this grid row, then copy it down the cell height.
    for (let c = 0; c < GRID; c++) {
      const base = (r * GRID + c) * C;
      let ch = -1;
      for (let k = drawOrder.length - 1; k >= 0; k--) {
        const cand = drawOrder[k] as number;
        if (obs[base + cand] !== 0) {
          ch = cand;
          break;
        }
      }
      const start = top + c * cellSize * 3;
      if (ch < 0) {
        out.fill(0, start, start + cellSize * 3);
      } else {
        const col = palette[ch] as Rgb;
        for (let p = 0; p < cellSize; p++) {
          const o = start + p * 3;
          out[o] = col[0];
          out[o + 1] = col[1];
          out[o + 2] = col[2];
        }
      }
    }
    for (let y = 1; y < cellSize; y++) out.copyWithin(top + y * rowBytes, top, top + rowBytes);
  }
  return out;
}

/** The observation as 10 lines of text, one glyph per cell (front-most channel), empty cells as spaces. */
export function drawText(game: string, drawOrder: readonly number[], obs: Uint8Array, channels: number): string {
  const glyphs = MINATAR_GLYPHS[game] ?? '';
  const lines: string[] = [];
  for (let r = 0; r < GRID; r++) {
    let line = '';
    for (let c = 0; c < GRID; c++) {
      const base = (r * GRID + c) * channels;
      let g = ' ';
      for (let k = drawOrder.length - 1; k >= 0; k--) {
        const ch = drawOrder[k] as number;
        if (obs[base + ch] !== 0) {
          g = glyphs[ch] ?? '?';
          break;
        }
      }
      line += g;
    }
    lines.push(`|${line}|`);
  }
  return lines.join('\n');
}
