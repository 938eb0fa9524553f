/**
 * File-backed metrics sinks for a run directory: `metrics.jsonl`, `metrics.csv` and a
 * TensorBoard `events.out.tfevents.*` file. Writes are buffered and appended on `flush()`, or
 * once {@link MAX_BUFFERED} records wait, so the training loop never waits on the disk per scalar
 * and a long run without checkpoints neither grows its heap nor loses hours of metrics when killed.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CSV_HEADER, csvLine, jsonlLine, type MetricsSink, type ScalarRecord } from '../metrics/sink.js';
import { encodeFileVersionEvent, encodeScalarEvent, frameRecord } from '../metrics/tensorboard.js';

/** Records a file sink holds before it appends them by itself. */
export const MAX_BUFFERED = 512;

/** Buffers one text line per scalar and appends them to `path` on `flush()`. */
class LineFileSink implements MetricsSink {
  private buf: string[] = [];
  constructor(
    readonly path: string,
    private readonly format: (r: ScalarRecord) => string,
  ) {}
  scalar(tag: string, value: number, step: number, wallTime: number): void {
    this.buf.push(this.format({ tag, value, step, wallTime }));
    if (this.buf.length >= MAX_BUFFERED) this.flush();
  }
  flush(): void {
    if (this.buf.length === 0) return;
    appendFileSync(this.path, this.buf.join(''));
    this.buf = [];
  }
  close(): void {
    this.flush();
  }
}

/** Appends JSON Lines to `path`. */
export class JsonlSink extends LineFileSink {
  constructor(path: string) {
    super(path, jsonlLine);
  }
}

/** Appends CSV rows to `path`, writing the header when the file is new. */
export class CsvSink extends LineFileSink {
  constructor(path: string) {
    super(path, csvLine);
    if (!existsSync(path)) writeFileSync(path, CSV_HEADER);
  }
}

/**
 * Writes a TensorBoard events file in `dir` (`events.out.tfevents.<sec>.<host>`), one event per
 * scalar, so `tensorboard --logdir runs` shows the curves. A resumed run opens a new file; TensorBoard
 * merges all files of a directory.
 */
export class TensorBoardSink implements MetricsSink {
  readonly path: string;
  private chunks: Uint8Array[] = [];
  constructor(dir: string, nowMs: number) {
    const sec = Math.floor(nowMs / 1000);
    this.path = join(dir, `events.out.tfevents.${sec}.${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}`);
    writeFileSync(this.path, frameRecord(encodeFileVersionEvent(nowMs / 1000)));
  }
  scalar(tag: string, value: number, step: number, wallTime: number): void {
    this.chunks.push(frameRecord(encodeScalarEvent(wallTime / 1000, step, [{ tag, value }])));
    if (this.chunks.length >= MAX_BUFFERED) this.flush();
  }
  flush(): void {
    if (this.chunks.length === 0) return;
    appendFileSync(this.path, Buffer.concat(this.chunks));
    this.chunks = [];
  }
  close(): void {
    this.flush();
  }
}
