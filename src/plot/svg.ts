/**
 * A tiny SVG line plot (no dependencies): series over a shared x axis, linear axes with a few
 * round ticks, a legend. Enough for the examples' "predicted vs actual" figures, which the book
 * draws with matplotlib.
 */

/** One line of the plot. */
export interface PlotSeries {
  readonly name: string;
  /** y values at x = 0, 1, 2, ... (non-finite values break the line). */
  readonly values: ArrayLike<number>;
  /** Any SVG colour; default from a small palette. */
  readonly color?: string;
  readonly opacity?: number;
}

/** What to draw. */
export interface LinePlot {
  readonly series: readonly PlotSeries[];
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

/** Escapes text for an SVG text node or attribute. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

/** Renders the plot as a standalone SVG document. */
export function linePlotSvg(p: LinePlot): string {
  const width = p.width ?? 900;
  const height = p.height ?? 420;
  const m = { left: 64, right: 16, top: p.title ? 36 : 16, bottom: 48 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  let n = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of p.series) {
    n = Math.max(n, s.values.length);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i] ?? NaN;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const xMax = Math.max(1, n - 1);
  const X = (i: number): number => m.left + (i / xMax) * w;
  const Y = (v: number): number => m.top + h - ((v - lo) / (hi - lo)) * h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (p.title) parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(p.title)}</text>`);
  // axes and ticks
  parts.push(`<g stroke="#444" fill="none"><rect x="${m.left}" y="${m.top}" width="${w}" height="${h}"/></g>`);
  for (const t of niceTicks(lo, hi)) {
    const y = Y(t).toFixed(1);
    parts.push(
      `<line x1="${m.left - 4}" y1="${y}" x2="${m.left + w}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  for (const t of niceTicks(0, xMax, 8)) {
    const x = X(t).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${m.top + h}" x2="${x}" y2="${m.top + h + 4}" stroke="#444"/>`,
      `<text x="${x}" y="${m.top + h + 16}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  if (p.xLabel)
    parts.push(`<text x="${m.left + w / 2}" y="${height - 10}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  if (p.yLabel)
    parts.push(
      `<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`,
    );
  // lines: one path per series, a new subpath after each non-finite value
  p.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length] ?? 'black';
    let d = '';
    let pen = false;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i] ?? NaN;
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${X(i).toFixed(1)} ${Y(v).toFixed(1)}`;
      pen = true;
    }
    parts.push(
      `<path d="${d}" fill="none" stroke="${esc(color)}" stroke-width="1" stroke-opacity="${s.opacity ?? 1}"/>`,
    );
    const ly = m.top + 14 + 16 * k;
    parts.push(
      `<line x1="${m.left + w - 110}" y1="${ly}" x2="${m.left + w - 90}" y2="${ly}" stroke="${esc(color)}" stroke-width="2"/>`,
      `<text x="${m.left + w - 84}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
