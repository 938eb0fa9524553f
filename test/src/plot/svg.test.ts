/**
 * src/plot/svg.ts: numpy's histogram binning (half-open bins, the last one closed, default
 * range, float edges) and the SVG documents of the histogram and the line plot.
 */
import { describe, expect, it } from 'vitest';
import { histogram, histogramSvg, linePlotSvg, niceTicks } from '../../../src/plot/svg.js';

describe('histogram (numpy.histogram)', () => {
  it('bins over [min, max]: half-open bins, the maximum in the last one', () => {
    // np.histogram([1, 2, 2, 3, 4, 5], bins=4) -> ([1, 2, 1, 2], [1, 2, 3, 4, 5])
    const h = histogram([1, 2, 2, 3, 4, 5], 4);
    expect(h.counts).toEqual([1, 2, 1, 2]);
    expect(h.edges).toEqual([1, 2, 3, 4, 5]);
    expect(h.total).toBe(6);
  });

  it('with a range, leaves out values outside it and non-finite values', () => {
    // np.histogram([-1, 0, 0.25, 0.5, 0.999, 1, 1.5], bins=2, range=(0, 1)) -> ([2, 3], [0, 0.5, 1])
    const h = histogram([-1, 0, 0.25, 0.5, 0.999, 1, 1.5, NaN, Infinity], 2, [0, 1]);
    expect(h.counts).toEqual([2, 3]);
    expect(h.edges).toEqual([0, 0.5, 1]);
    expect(h.total).toBe(5);
  });

  it('puts values on float edges in the bin numpy does (edges are lo + i * width, as linspace)', () => {
    // np.linspace(0, 1, 11)[3] is 0.30000000000000004 and [7] 0.7000000000000001, so
    // np.histogram([0.1, 0.2, 0.3, 0.7], bins=10, range=(0, 1))[0] -> [0, 1, 2, 0, 0, 0, 1, 0, 0, 0]
    const h = histogram([0.1, 0.2, 0.3, 0.7], 10, [0, 1]);
    expect(h.edges[3]).toBe(0.30000000000000004);
    expect(h.edges[7]).toBe(0.7000000000000001);
    expect(h.counts).toEqual([0, 1, 2, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('a single distinct value gets the range [v - 0.5, v + 0.5]; empty input [0, 1]', () => {
    const h = histogram([0.97, 0.97, 0.97], 10);
    expect(h.edges[0]).toBeCloseTo(0.47, 12);
    expect(h.edges[10]).toBeCloseTo(1.47, 12);
    expect(h.counts[5]).toBe(3);
    expect(histogram([], 2)).toEqual({ counts: [0, 0], edges: [0, 0.5, 1], total: 0 });
    expect(() => histogram([1], 0)).toThrow(RangeError);
    expect(() => histogram([1], 2, [1, 0])).toThrow(/range must be increasing/);
  });
});

describe('SVG plots', () => {
  it('histogramSvg: one bar per bin, heights as counts or as a density', () => {
    const values = [0.91, 0.93, 0.93, 0.95, 0.95, 0.95, 0.97, 0.97];
    const range = [0.9, 0.98] as const;
    const svg = histogramSvg({ values, bins: 4, range, title: 'cos <sim>', xLabel: 'cosine similarity' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const bars = [...svg.matchAll(/<rect class="bin" [^>]*height="([\d.]+)"[^>]*data-count="(\d+)"/g)];
    const counts = histogram(values, 4, range).counts;
    expect(counts).toEqual([1, 2, 3, 2]);
    expect(bars.map((b) => Number(b[2]))).toEqual(counts);
    // bar heights are proportional to the counts, the tallest bar 1 / 1.05 of the plot's height
    const heights = bars.map((b) => Number(b[1]));
    const tallest = Math.max(...heights);
    heights.forEach((hgt, i) => expect(hgt / tallest).toBeCloseTo((counts[i] ?? 0) / Math.max(...counts), 2));
    expect(svg).toContain('cos &lt;sim&gt;');
    // density: same shape, y ticks in density units (total area 1: the tallest bin is 3/8 / 0.02 = 18.75)
    const dens = histogramSvg({ values, bins: 4, range, density: true });
    expect([...dens.matchAll(/data-count="(\d+)"/g)].map((m) => Number(m[1]))).toEqual(counts);
    expect(dens).toMatch(/>15<\/text>/);
    expect(dens).not.toMatch(/>20<\/text>/);
  });

  it('linePlotSvg: one path per series and round ticks', () => {
    const svg = linePlotSvg({
      series: [
        { name: 'train', values: [0.14, 0.12, 0.1] },
        { name: 'val', values: [0.12, 0.11] },
      ],
    });
    expect(svg.match(/<path d="M/g)).toHaveLength(2);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
