import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32c, maskCrc } from '../../src/metrics/crc32c.js';
import { decodeEvent, frameRecord, readRecords } from '../../src/metrics/tensorboard.js';
import { CsvSink, JsonlSink, MAX_BUFFERED, TensorBoardSink } from '../../src/io/metric-files.js';

describe('TensorBoard writer', () => {
  it('CRC-32C matches the standard check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    // Masking: rotate right 15, add 0xa282ead8.
    const c = 0xe3069283;
    expect(maskCrc(c)).toBe((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
  });

  it('writes events that read back with valid framing, tags, steps and values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfgym-tb-'));
    try {
      const tb = new TensorBoardSink(dir, 1_700_000_000_000);
      tb.scalar('charts/episodic_return', 0.75, 10, 1_700_000_001_000);
      tb.scalar('losses/td_loss', 1e-3, 300, 1_700_000_002_500);
      tb.close();
      const files = readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.1700000000.'));
      expect(files.length).toBe(1);
      const recs = readRecords(new Uint8Array(readFileSync(join(dir, files[0]!))));
      expect(recs.length).toBe(3);
      const evs = recs.map(decodeEvent);
      expect(evs[0]!.fileVersion).toBe('brain.Event:2');
      expect(evs[1]).toEqual({
        wallTime: 1_700_000_001,
        step: 10,
        values: [{ tag: 'charts/episodic_return', value: 0.75 }],
      });
      expect(evs[2]!.step).toBe(300);
      expect(evs[2]!.wallTime).toBe(1_700_000_002.5);
      expect(evs[2]!.values[0]!.value).toBeCloseTo(1e-3, 9);
      // Corruption is detected.
      const bad = frameRecord(new Uint8Array([1, 2, 3]));
      bad[13] = (bad[13] as number) ^ 1;
      expect(() => readRecords(bad)).toThrow(/CRC/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('file sinks append by themselves once MAX_BUFFERED records wait (bounded memory, little lost on a kill)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfgym-m-'));
    try {
      const j = new JsonlSink(join(dir, 'm.jsonl'));
      const t = new TensorBoardSink(dir, 1000);
      for (let i = 0; i < MAX_BUFFERED + 10; i++) {
        j.scalar('x', i, i, 1000 + i);
        t.scalar('x', i, i, 1000 + i);
      }
      // No flush yet: the first MAX_BUFFERED are on disk, the rest still buffered.
      expect(readFileSync(join(dir, 'm.jsonl'), 'utf8').trim().split('\n')).toHaveLength(MAX_BUFFERED);
      expect(readRecords(readFileSync(t.path))).toHaveLength(MAX_BUFFERED + 1); // + the file-version event
      j.close();
      t.close();
      expect(readFileSync(join(dir, 'm.jsonl'), 'utf8').trim().split('\n')).toHaveLength(MAX_BUFFERED + 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('JSONL and CSV sinks write one row per scalar', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfgym-m-'));
    try {
      const j = new JsonlSink(join(dir, 'm.jsonl'));
      const c = new CsvSink(join(dir, 'm.csv'));
      for (const s of [j, c]) {
        s.scalar('charts/SPS', 123, 5, 2000);
        s.close();
      }
      expect(JSON.parse(readFileSync(join(dir, 'm.jsonl'), 'utf8'))).toEqual({
        wallTime: 2000,
        step: 5,
        tag: 'charts/SPS',
        value: 123,
      });
      expect(readFileSync(join(dir, 'm.csv'), 'utf8')).toBe('wall_time,step,tag,value\n2,5,charts/SPS,123\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
