/**
 * Draws a learning curve from a run's `metrics.jsonl` (`{"step", "tag", "value"}` lines) as a
 * self-contained SVG: the raw values of one tag as faint dots, their moving average as a line,
 * and optional horizontal reference lines (e.g. random play, the paper's figure).
 *
 * Run: `node dist/bench/learning-curve-svg.js RUN/metrics.jsonl OUT.svg [--tag charts/episodic_return]
 *   [--window 100] [--title "..."] [--ref "label=value" ...]`.
 */
import { pathToFileURL } from 'node:url';
import { readFileSync, writeFileSync } from 'node:fs';

/** A horizontal reference line. */
export interface RefLine {
  label: string;
  value: number;
}

/** Options of {@link curveSvg}. */
export interface CurveSvgOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  /** Moving-average window in points (default 100). */
  window?: number;
  refs?: readonly RefLine[];
  width?: number;
  height?: number;
}

/** `(step, value)` pairs of `tag` from JSON Lines text, in file order. */
export function readTag(jsonl: string, tag: string): [number, number][] {
  const out: [number, number][] = [];
  for (const line of jsonl.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { step?: unknown; tag?: unknown; value?: unknown };
    if (r.tag === tag && typeof r.step === 'number' && typeof r.value === 'number') out.push([r.step, r.value]);
  }
  return out;
}

/** Trailing moving average over `window` points. */
export function movingAverage(points: readonly [number, number][], window: number): [number, number][] {
  const out: [number, number][] = [];
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    sum += (points[i] as [number, number])[1];
    if (i >= window) sum -= (points[i - window] as [number, number])[1];
    out.push([(points[i] as [number, number])[0], sum / Math.min(i + 1, window)]);
  }
  return out;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
}

/** The SVG text of a learning curve. */
export function curveSvg(points: readonly [number, number][], o: CurveSvgOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 400;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xs = points.map((p) => p[0]);
  const ys = [...points.map((p) => p[1]), ...(o.refs ?? []).map((r) => r.value)];
  const xMax = Math.max(1, ...xs);
  const yMin = Math.min(0, ...ys);
  const yMax = Math.max(1, ...ys) * 1.05;
  const X = (x: number): number => m.l + (x / xMax) * pw;
  const Y = (y: number): number => m.t + ph - ((y - yMin) / (yMax - yMin)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`);
  const ys0 = niceStep(yMax - yMin, 6);
  for (let y = Math.ceil(yMin / ys0) * ys0; y <= yMax; y += ys0) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(y).toFixed(1)}" y2="${Y(y).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(Y(y) + 4).toFixed(1)}" text-anchor="end">${+y.toFixed(6)}</text>`);
  }
  const xs0 = niceStep(xMax, 6);
  for (let x = 0; x <= xMax; x += xs0) {
    parts.push(
      `<line x1="${X(x).toFixed(1)}" x2="${X(x).toFixed(1)}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#333"/>`,
    );
    parts.push(
      `<text x="${X(x).toFixed(1)}" y="${m.t + ph + 18}" text-anchor="middle">${x >= 1000 ? `${+(x / 1000).toFixed(3)}k` : x}</text>`,
    );
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel ?? 'env steps')}</text>`);
  parts.push(
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel ?? 'episode return')}</text>`,
  );
  for (const [x, y] of points)
    parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="1.2" fill="#9ecae1" fill-opacity="0.5"/>`);
  const avg = movingAverage(points, o.window ?? 100);
  if (avg.length)
    parts.push(
      `<polyline fill="none" stroke="#08519c" stroke-width="2" points="${avg.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`,
    );
  for (const [i, r] of (o.refs ?? []).entries()) {
    const colour = ['#d62728', '#2ca02c', '#ff7f0e'][i % 3] as string;
    parts.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(r.value).toFixed(1)}" y2="${Y(r.value).toFixed(1)}" stroke="${colour}" stroke-dasharray="6 4"/>`,
    );
    parts.push(
      `<text x="${m.l + pw - 4}" y="${(Y(r.value) - 4).toFixed(1)}" text-anchor="end" fill="${colour}">${esc(r.label)}</text>`,
    );
  }
  parts.push(
    `<text x="${m.l + 6}" y="${m.t + 16}" fill="#08519c">moving average over ${o.window ?? 100} episodes</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function main(argv: readonly string[]): void {
  const [input, output] = argv;
  if (input === undefined || output === undefined) {
    console.error(
      'usage: learning-curve-svg METRICS.jsonl OUT.svg [--tag T] [--window N] [--title S] [--ref label=value ...]',
    );
    process.exitCode = 2;
    return;
  }
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const refs: RefLine[] = [];
  argv.forEach((a, i) => {
    if (a !== '--ref') return;
    const s = argv[i + 1] ?? '';
    const eq = s.lastIndexOf('=');
    refs.push({ label: s.slice(0, eq), value: Number(s.slice(eq + 1)) });
  });
  const points = readTag(readFileSync(input, 'utf8'), opt('--tag') ?? 'charts/episodic_return');
  writeFileSync(
    output,
    curveSvg(points, { title: opt('--title') ?? 'learning curve', window: Number(opt('--window') ?? 100), refs }),
  );
  console.log(`${output}: ${points.length} points`);
}

// Run main only when executed directly, not when imported (the harness imports the workloads).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  main(process.argv.slice(2));
