/**
 * Tiny SVG plots (no dependencies): a line plot (series over a shared x axis, linear axes with a
 * few round ticks, a legend) and a histogram. Enough for the examples' "predicted vs actual" and
 * "distribution of similarities" figures, which the book draws with matplotlib.
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

/** Bin counts of {@link histogram}: `counts[i]` values fell in `[edges[i], edges[i + 1])`. */
export interface Histogram {
  readonly counts: number[];
  /** `bins + 1` increasing bin edges. */
  readonly edges: number[];
  /** Values counted (finite and inside the range). */
  readonly total: number;
}

/**
 * numpy's `histogram(values, bins, range)`: `bins` equal-width bins over `range` (default: the
 * finite values' min and max; a single value v gives `[v - 0.5, v + 0.5]`), each half-open
 * except the last, which includes its right edge. Values outside the range and non-finite
 * values are not counted.
 */
export function histogram(values: ArrayLike<number>, bins = 10, range?: readonly [number, number]): Histogram {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`histogram: bins must be a positive integer, got ${bins}`);
  let lo = range?.[0] ?? Infinity;
  let hi = range?.[1] ?? -Infinity;
  if (range === undefined)
    for (let i = 0; i < values.length; i++) {
      const v = values[i] ?? NaN;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi < lo) throw new RangeError(`histogram: range must be increasing, got [${lo}, ${hi}]`);
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    if (!(v >= lo && v <= hi)) continue;
    // the last bin is closed; float rounding of (v - lo) / width may land a value one bin off
    let b = Math.min(bins - 1, Math.floor((v - lo) / width));
    if (b > 0 && v < (edges[b] ?? -Infinity)) b--;
    else if (b < bins - 1 && v >= (edges[b + 1] ?? Infinity)) b++;
    counts[b] = (counts[b] ?? 0) + 1;
    total++;
  }
  return { counts, edges, total };
}

/** What {@link histogramSvg} draws. */
export interface HistogramPlot {
  readonly values: ArrayLike<number>;
  /** Number of bins (default 10, matplotlib's). */
  readonly bins?: number;
  /** Bin range (default: the values' min and max). */
  readonly range?: readonly [number, number];
  /**
   * Bar heights as a probability density (count / (total * bin width), matplotlib's
   * `density=True`, the book's `normed=True`) rather than counts.
   */
  readonly density?: boolean;
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly color?: string;
  readonly width?: number;
  readonly height?: number;
}

/** Renders a histogram as a standalone SVG document: one `<rect>` per bin, edges as x ticks. */
export function histogramSvg(p: HistogramPlot): string {
  const hist = histogram(p.values, p.bins ?? 10, p.range);
  const width = p.width ?? 700;
  const height = p.height ?? 420;
  const m = { left: 64, right: 16, top: p.title ? 36 : 16, bottom: 48 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const lo = hist.edges[0] ?? 0;
  const hi = hist.edges[hist.edges.length - 1] ?? 1;
  const heights = hist.counts.map((c, i) =>
    p.density ? c / (Math.max(1, hist.total) * ((hist.edges[i + 1] ?? hi) - (hist.edges[i] ?? lo))) : c,
  );
  const top = Math.max(...heights) > 0 ? Math.max(...heights) * 1.05 : 1;
  const X = (v: number): number => m.left + ((v - lo) / (hi - lo)) * w;
  const Y = (v: number): number => m.top + h - (v / top) * h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (p.title) parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(p.title)}</text>`);
  parts.push(`<g stroke="#444" fill="none"><rect x="${m.left}" y="${m.top}" width="${w}" height="${h}"/></g>`);
  for (const t of niceTicks(0, top)) {
    const y = Y(t).toFixed(1);
    parts.push(
      `<line x1="${m.left - 4}" y1="${y}" x2="${m.left + w}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  const color = esc(p.color ?? PALETTE[0] ?? 'steelblue');
  heights.forEach((v, i) => {
    const x0 = X(hist.edges[i] ?? lo);
    const x1 = X(hist.edges[i + 1] ?? hi);
    const y = Y(v);
    parts.push(
      `<rect class="bin" x="${x0.toFixed(1)}" y="${y.toFixed(1)}" width="${(x1 - x0).toFixed(1)}" height="${(m.top + h - y).toFixed(1)}" fill="${color}" stroke="white" data-count="${hist.counts[i] ?? 0}"/>`,
    );
  });
  // edge labels: every edge when there are few bins, else about eight of them
  const every = Math.max(1, Math.ceil(hist.edges.length / 9));
  hist.edges.forEach((e, i) => {
    if (i % every !== 0 && i !== hist.edges.length - 1) return;
    const x = X(e).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${m.top + h}" x2="${x}" y2="${m.top + h + 4}" stroke="#444"/>`,
      `<text x="${x}" y="${m.top + h + 16}" text-anchor="middle">${fmt(Number(e.toPrecision(4)))}</text>`,
    );
  });
  if (p.xLabel)
    parts.push(`<text x="${m.left + w / 2}" y="${height - 10}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  if (p.yLabel)
    parts.push(
      `<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`,
    );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
