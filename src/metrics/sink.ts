/**
 * Metrics sinks: where training scalars go. Core code (the training loop) receives a
 * {@link MetricsSink}; files are written by the sinks in `src/io/metric-files.ts`.
 * Tag names follow CleanRL (`charts/episodic_return`, `losses/td_loss`, ...).
 */

/** CleanRL's tag names, used by every sink and the viewer. */
export const TAGS = {
  episodicReturn: 'charts/episodic_return',
  episodicLength: 'charts/episodic_length',
  epsilon: 'charts/epsilon',
  sps: 'charts/SPS',
  learningRate: 'charts/learning_rate',
  tdLoss: 'losses/td_loss',
  qValues: 'losses/q_values',
  evalReturn: 'eval/mean_return',
  evalWins: 'eval/wins',
} as const;

/** Receives scalars; implementations buffer and write them out. */
export interface MetricsSink {
  /** Records `value` under `tag` at global step `step`; `wallTime` in ms since the epoch. */
  scalar(tag: string, value: number, step: number, wallTime: number): void;
  /** Pushes buffered records out. */
  flush(): void;
  /** Flushes and releases resources. */
  close(): void;
}

/** Discards everything. */
export const nullSink: MetricsSink = { scalar() {}, flush() {}, close() {} };

/** One stored scalar. */
export interface ScalarRecord {
  readonly tag: string;
  readonly value: number;
  readonly step: number;
  readonly wallTime: number;
}

/** Keeps scalars in memory (tests, the viewer's history). */
export class MemorySink implements MetricsSink {
  readonly records: ScalarRecord[] = [];
  scalar(tag: string, value: number, step: number, wallTime: number): void {
    this.records.push({ tag, value, step, wallTime });
  }
  flush(): void {}
  close(): void {}
  /** Values of one tag, in order. */
  values(tag: string): number[] {
    return this.records.filter((r) => r.tag === tag).map((r) => r.value);
  }
}

/** Sends every scalar to several sinks. */
export class TeeSink implements MetricsSink {
  constructor(private readonly sinks: readonly MetricsSink[]) {}
  scalar(tag: string, value: number, step: number, wallTime: number): void {
    for (const s of this.sinks) s.scalar(tag, value, step, wallTime);
  }
  flush(): void {
    for (const s of this.sinks) s.flush();
  }
  close(): void {
    for (const s of this.sinks) s.close();
  }
}

/** The JSON Lines form of a scalar: `{"wallTime":...,"step":...,"tag":"...","value":...}`. */
export function jsonlLine(r: ScalarRecord): string {
  return `${JSON.stringify({ wallTime: r.wallTime, step: r.step, tag: r.tag, value: Number.isFinite(r.value) ? r.value : String(r.value) })}\n`;
}

/** CSV header matching {@link csvLine}. */
export const CSV_HEADER = 'wall_time,step,tag,value\n';

/** The CSV form of a scalar (long format: one row per scalar, tags never need quoting). */
export function csvLine(r: ScalarRecord): string {
  return `${r.wallTime / 1000},${r.step},${r.tag},${r.value}\n`;
}
