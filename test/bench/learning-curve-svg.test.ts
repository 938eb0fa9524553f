import { describe, expect, it } from 'vitest';
import { curveSvg, movingAverage, readTag } from '../../bench/learning-curve-svg.js';

describe('learning-curve-svg', () => {
  it('reads one tag from metrics.jsonl and averages it over a trailing window', () => {
    const text = [
      { step: 10, tag: 'charts/episodic_return', value: 1 },
      { step: 11, tag: 'losses/td_loss', value: 9 },
      { step: 20, tag: 'charts/episodic_return', value: 3 },
      { step: 30, tag: 'charts/episodic_return', value: 5 },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const pts = readTag(text, 'charts/episodic_return');
    expect(pts).toEqual([
      [10, 1],
      [20, 3],
      [30, 5],
    ]);
    expect(movingAverage(pts, 2)).toEqual([
      [10, 1],
      [20, 2],
      [30, 4],
    ]);
  });

  it('draws an SVG with the points, the average line and labelled reference lines', () => {
    const svg = curveSvg(
      [
        [100, 0],
        [200, 2],
      ],
      { title: 'DQN <Breakout>', window: 2, refs: [{ label: 'random 0.5', value: 0.5 }] },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('DQN &lt;Breakout&gt;');
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain('<polyline');
    expect(svg).toContain('random 0.5');
  });
});
