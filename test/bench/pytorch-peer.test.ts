import { describe, expect, it } from 'vitest';
import { runPytorchPeer } from '../../bench/pytorch-peer.js';

describe('PyTorch peer', () => {
  it('is skipped cleanly, with a logged reason, when no Python with torch is found', () => {
    const saved = process.env['TFGYM_PYTHON'];
    process.env['TFGYM_PYTHON'] = '/nonexistent/python3';
    try {
      const lines: string[] = [];
      expect(runPytorchPeer(['gemm-128'], (l) => lines.push(l))).toEqual([]);
      expect(lines.join('\n')).toMatch(/skip pytorch peer: no Python with torch/);
    } finally {
      if (saved === undefined) delete process.env['TFGYM_PYTHON'];
      else process.env['TFGYM_PYTHON'] = saved;
    }
  });

  it('ignores workloads it has no counterpart for, without starting Python', () => {
    const lines: string[] = [];
    expect(runPytorchPeer(['catch-step', 'mlp-train'], (l) => lines.push(l))).toEqual([]);
    expect(lines).toEqual([]);
  });
});
