/**
 * Keras' standard callbacks for {@link fit}: progress logging, CSV logger, model checkpoint,
 * early stopping, learning-rate schedule, and a scalar-sink hook for TensorBoard-style writers.
 * Output goes through injected sinks or `src/io`, never straight to the terminal.
 */
import * as tf from '@tensorflow/tfjs';
import { saveModel } from '../src/io/model-io.js';
import { writeFileAtomic } from '../src/io/files.js';
import type { MetricsSink } from '../src/metrics/sink.js';
import type { Callback, Logs, TrainContext } from './fit.js';
import { getLearningRate, setLearningRate } from './optimizers.js';
import { checkNonNegativeFloat, checkNonNegativeInt, checkOneOf } from './validate.js';

/** Where progress text goes: a `write` function and whether it is an interactive terminal. */
export interface TextSink {
  write(text: string): void;
  /** True for a TTY: the bar is redrawn in place with `\r`; else one line per epoch. */
  readonly isTTY: boolean;
  /** Terminal width; a redrawn bar is cut to it (a wrapped line cannot be redrawn in place). */
  readonly columns?: number;
}

/** A clock in milliseconds (injectable for tests). */
export type Clock = () => number;

function fmtValue(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

/** `loss: 0.1234 - acc: 0.9678 - ...` in Keras' order: train metrics, then val_ ones. */
export function formatLogs(logs: Logs): string {
  const keys = Object.keys(logs).filter((k) => k !== 'size' && k !== 'batch');
  keys.sort((a, b) => Number(a.startsWith('val_')) - Number(b.startsWith('val_')));
  return keys.map((k) => `${k}: ${fmtValue(logs[k] ?? NaN)}`).join(' - ');
}

/** `45s`, `3m07s`, `2h05m`: a duration in milliseconds, as an ETA is read. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return `${m}m${String(s - m * 60).padStart(2, '0')}s`;
  }
  const h = Math.floor(s / 3600);
  return `${h}h${String(Math.round((s - h * 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Keras' `verbose=1` log, with the time left for the whole run. In a TTY: `Epoch 3/20`, then a
 * bar redrawn in place (`38400/48000 [=======>.....] - ETA: 2s - loss: 0.2 - acc: 0.9 -
 * val_acc (epoch 2): 0.95 - run ETA: 4m10s`), finished with the epoch time and its validation
 * metrics. Elsewhere (pipes, CI, log files): one plain line per epoch, ending with the run's ETA.
 */
export class ProgressLogger implements Callback {
  private epochStart = 0;
  private lastDraw = 0;
  private seen = 0;
  /** The epoch being trained (0-based). */
  private epoch = 0;
  /** Epochs finished in this run, and the time they took (for the run's ETA). */
  private epochsDone = 0;
  private epochsMs = 0;
  /** Validation metrics of the last finished epoch, shown while the next one trains. */
  private lastVal: { epoch: number; key: string; value: number } | undefined;

  constructor(
    private readonly sink: TextSink,
    private readonly clock: Clock = () => performance.now(),
    private readonly barWidth = 30,
  ) {}

  onTrainBegin(ctx: TrainContext): void {
    this.epochsDone = 0;
    this.epochsMs = 0;
    this.lastVal = undefined;
    const val = ctx.validationSamples ? `, validate on ${ctx.validationSamples} samples` : '';
    this.sink.write(`Train on ${ctx.samples} samples${val}\n`);
  }

  onEpochBegin(epoch: number, ctx: TrainContext): void {
    this.epoch = epoch;
    this.epochStart = this.clock();
    this.lastDraw = 0;
    this.seen = 0;
    if (this.sink.isTTY) this.sink.write(`Epoch ${epoch + 1}/${ctx.epochs}\n`);
  }

  /** Only defined for a TTY, so that fit skips per-batch syncs for plain output. */
  get onBatchEnd(): Callback['onBatchEnd'] {
    if (!this.sink.isTTY) return undefined;
    return (_batch: number, logs: Logs, ctx: TrainContext) => {
      this.seen = Math.min(ctx.samples, this.seen + (logs['size'] ?? ctx.batchSize));
      const now = this.clock();
      // Redraw at most ten times a second: terminals are slow.
      if (now - this.lastDraw < 100 && this.seen < ctx.samples) return;
      this.lastDraw = now;
      const elapsed = now - this.epochStart;
      const epochEta = this.seen > 0 ? (elapsed / this.seen) * (ctx.samples - this.seen) : 0;
      const parts = [`${this.bar(this.seen, ctx.samples)} - ETA: ${formatDuration(epochEta)}`, formatLogs(logs)];
      if (this.lastVal)
        parts.push(`${this.lastVal.key} (epoch ${this.lastVal.epoch + 1}): ${fmtValue(this.lastVal.value)}`);
      const epochsLeft = this.epochsLeftAfter(this.epoch, ctx);
      if (epochsLeft > 0)
        parts.push(`run ETA: ${formatDuration(epochEta + epochsLeft * this.epochMs(elapsed + epochEta))}`);
      this.sink.write(`\r${this.fit(parts.join(' - '))}\x1b[K`);
    };
  }

  /** Epochs still to train after `epoch`. */
  private epochsLeftAfter(epoch: number, ctx: TrainContext): number {
    return Math.max(0, ctx.epochs - (epoch + 1));
  }

  /** Mean epoch time so far, or `fallback` (the current epoch's estimate) before the first ends. */
  private epochMs(fallback: number): number {
    return this.epochsDone > 0 ? this.epochsMs / this.epochsDone : fallback;
  }

  /** Cuts a redrawn line to the terminal width. */
  private fit(line: string): string {
    const cols = this.sink.columns;
    return cols !== undefined && cols > 1 && line.length > cols - 1 ? line.slice(0, cols - 1) : line;
  }

  private bar(done: number, total: number): string {
    const w = String(total).length;
    const filled = Math.floor((this.barWidth * done) / Math.max(total, 1));
    const body =
      done >= total
        ? '='.repeat(this.barWidth)
        : `${'='.repeat(Math.max(filled - 1, 0))}>${'.'.repeat(this.barWidth - Math.max(filled, 1))}`;
    return `${String(done).padStart(w)}/${total} [${body}]`;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): void {
    const ms = this.clock() - this.epochStart;
    this.epochsDone++;
    this.epochsMs += ms;
    const valKey =
      logs['val_acc'] !== undefined
        ? 'val_acc'
        : logs['val_accuracy'] !== undefined
          ? 'val_accuracy'
          : logs['val_loss'] !== undefined
            ? 'val_loss'
            : undefined;
    if (valKey !== undefined) this.lastVal = { epoch, key: valKey, value: logs[valKey] ?? NaN };
    const perStep = ctx.samples ? (ms * 1000) / ctx.samples : 0;
    const timing = `${formatDuration(ms)} ${Math.round(perStep)}us/step`;
    const left = this.epochsLeftAfter(epoch, ctx);
    // ctx.stopTraining (early stopping) means no epoch is left, whatever the count says.
    const eta = left > 0 && !ctx.stopTraining ? ` - run ETA: ${formatDuration(left * this.epochMs(ms))}` : '';
    if (this.sink.isTTY) {
      this.sink.write(`\r${this.bar(ctx.samples, ctx.samples)} - ${timing} - ${formatLogs(logs)}${eta}\x1b[K\n`);
    } else {
      this.sink.write(`Epoch ${epoch + 1}/${ctx.epochs} - ${timing} - ${formatLogs(logs)}${eta}\n`);
    }
  }
}

/** Keras' CSVLogger: `epoch,<metric>,...`, one row per epoch, the file rewritten atomically. */
export class CsvLogger implements Callback {
  private keys: string[] | null = null;
  private rows: string[] = [];

  constructor(private readonly path: string) {}

  onTrainBegin(): void {
    this.keys = null;
    this.rows = [];
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.keys ??= Object.keys(logs).sort();
    this.rows.push([String(epoch), ...this.keys.map((k) => String(logs[k] ?? ''))].join(','));
    writeFileAtomic(this.path, `${['epoch', ...this.keys].join(',')}\n${this.rows.join('\n')}\n`);
  }
}

/** Whether a monitored quantity improves when it goes down (`min`) or up (`max`). */
export type MonitorMode = 'auto' | 'min' | 'max';

function resolveMode(mode: MonitorMode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  // Keras' rule: accuracy-like quantities are maximised, everything else minimised.
  return /acc|auc|precision|recall/.test(monitor) ? 'max' : 'min';
}

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions {
  /** Directory to save to; `{epoch}` is replaced by the 1-based epoch number. */
  path: string;
  /** Quantity watched by `saveBestOnly` (default `val_loss`). */
  monitor?: string;
  /** Only save when the monitored quantity improves (default false: save every epoch). */
  saveBestOnly?: boolean;
  mode?: MonitorMode;
  /** Called after each save (e.g. to print "saved to ..."). */
  onSave?: (path: string, epoch: number, value: number | undefined) => void;
}

/** Keras' ModelCheckpoint: saves the model (tfjs layers format, atomic files) every epoch or on improvement. */
export class ModelCheckpoint implements Callback {
  private best: number;
  private readonly mode: 'min' | 'max';
  /** Epoch (0-based) of the last save, -1 before any. */
  lastSavedEpoch = -1;

  constructor(private readonly opts: ModelCheckpointOptions) {
    this.mode = resolveMode(
      checkOneOf('mode', opts.mode ?? 'auto', ['auto', 'min', 'max'] as const),
      opts.monitor ?? 'val_loss',
    );
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): Promise<void> {
    const monitor = this.opts.monitor ?? 'val_loss';
    const value = logs[monitor];
    if (this.opts.saveBestOnly) {
      if (value === undefined || Number.isNaN(value)) return;
      const better = this.mode === 'min' ? value < this.best : value > this.best;
      if (!better) return;
      this.best = value;
    }
    const path = this.opts.path.replace('{epoch}', String(epoch + 1));
    await saveModel(ctx.model, path);
    this.lastSavedEpoch = epoch;
    this.opts.onSave?.(path, epoch, value);
  }
}

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  monitor?: string;
  /** Smallest change that counts as an improvement. */
  minDelta?: number;
  /** Epochs without improvement before stopping. */
  patience?: number;
  mode?: MonitorMode;
  /** Put back the weights of the best epoch when stopping. */
  restoreBestWeights?: boolean;
}

/** Keras' EarlyStopping: stops when the monitored quantity has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  private best = 0;
  private wait = 0;
  private bestWeights: tf.Tensor[] | null = null;
  private readonly mode: 'min' | 'max';
  /** Epoch (0-based) after which training stopped, or -1. */
  stoppedEpoch = -1;

  constructor(private readonly opts: EarlyStoppingOptions = {}) {
    this.mode = resolveMode(
      checkOneOf('mode', opts.mode ?? 'auto', ['auto', 'min', 'max'] as const),
      opts.monitor ?? 'val_loss',
    );
    checkNonNegativeInt('patience', opts.patience ?? 0);
    checkNonNegativeFloat('minDelta', opts.minDelta ?? 0);
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.disposeBest();
  }

  private disposeBest(): void {
    if (this.bestWeights) for (const w of this.bestWeights) w.dispose();
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): void {
    const value = logs[this.opts.monitor ?? 'val_loss'];
    if (value === undefined || Number.isNaN(value)) return;
    const delta = this.opts.minDelta ?? 0;
    const improved = this.mode === 'min' ? value < this.best - delta : value > this.best + delta;
    if (improved) {
      this.best = value;
      this.wait = 0;
      if (this.opts.restoreBestWeights) {
        this.disposeBest();
        // Clones are kept outside any tidy and disposed on the next improvement or at the end.
        this.bestWeights = ctx.model.getWeights().map((w) => w.clone());
      }
      return;
    }
    this.wait++;
    if (this.wait > (this.opts.patience ?? 0)) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
    }
  }

  onTrainEnd(_logs: Logs, ctx: TrainContext): void {
    if (this.stoppedEpoch >= 0 && this.bestWeights) ctx.model.setWeights(this.bestWeights);
    this.disposeBest();
  }
}

/** Keras' LearningRateScheduler: sets the optimizer's rate at the start of each epoch; logs it as `lr`. */
export class LearningRateScheduler implements Callback {
  private current: number | undefined;

  /** @param schedule (epoch, currentRate) -> new rate */
  constructor(private readonly schedule: (epoch: number, lr: number) => number) {}

  onEpochBegin(epoch: number, ctx: TrainContext): void {
    const opt = ctx.model.optimizer;
    const lr = getLearningRate(opt);
    if (lr === undefined) throw new Error('LearningRateScheduler: this optimizer has no learning rate to schedule.');
    this.current = this.schedule(epoch, lr);
    setLearningRate(opt, this.current);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    if (this.current !== undefined) logs['lr'] = this.current;
  }
}

/**
 * Keras' TensorBoard callback: every epoch metric goes to a {@link MetricsSink} under Keras 2's
 * tag names (`epoch_loss`, `epoch_val_acc`, ...), flushed each epoch. With the project's
 * `TensorBoardSink` (`src/io/metric-files.ts`) that is an events file `tensorboard --logdir`
 * reads; any other sink (JSONL, CSV, memory) works the same. The caller closes the sink.
 */
export class TensorBoard implements Callback {
  constructor(
    private readonly sink: MetricsSink,
    /** Wall clock in ms since the epoch, stamped on each event. */
    private readonly wallClock: () => number = () => Date.now(),
    private readonly prefix = 'epoch_',
  ) {}

  onEpochEnd(epoch: number, logs: Logs): void {
    const t = this.wallClock();
    for (const [k, v] of Object.entries(logs)) this.sink.scalar(`${this.prefix}${k}`, v, epoch, t);
    this.sink.flush();
  }
}

/** Options of {@link ReduceLROnPlateau} (Keras 2.0's defaults). */
export interface ReduceLROnPlateauOptions {
  /** Quantity watched (default `val_loss`). */
  monitor?: string;
  /** The rate is multiplied by this on a plateau (default 0.1). */
  factor?: number;
  /** Epochs without improvement before the rate is cut (default 10). */
  patience?: number;
  mode?: MonitorMode;
  /** Smallest change that counts as an improvement (Keras 2.0's `epsilon`, default 1e-4). */
  minDelta?: number;
  /** Epochs after a cut during which no plateau is counted (default 0). */
  cooldown?: number;
  /** Lower bound of the rate (default 0). */
  minLr?: number;
  /** Called after each cut (e.g. to print it). */
  onReduce?: (epoch: number, lr: number) => void;
}

/**
 * Keras 2.0's ReduceLROnPlateau: when the monitored quantity has not improved by `minDelta` for
 * `patience` epochs, the optimizer's rate is multiplied by `factor` (not below `minLr`), then
 * `cooldown` epochs pass before waiting starts again. Logs the rate as `lr` each epoch. Counts
 * as Keras 2.0 does: the first cut comes at the `patience + 1`-th epoch without improvement;
 * after a cut the wait restarts at 1, so (without cooldown) the next comes `patience` epochs later.
 */
export class ReduceLROnPlateau implements Callback {
  private best = 0;
  private wait = 0;
  private cooldownCounter = 0;
  private readonly mode: 'min' | 'max';

  constructor(private readonly opts: ReduceLROnPlateauOptions = {}) {
    this.mode = resolveMode(
      checkOneOf('mode', opts.mode ?? 'auto', ['auto', 'min', 'max'] as const),
      opts.monitor ?? 'val_loss',
    );
    const factor = opts.factor ?? 0.1;
    if (!(factor > 0 && factor < 1)) throw new RangeError(`ReduceLROnPlateau: factor must be in (0, 1), got ${factor}`);
    checkNonNegativeInt('patience', opts.patience ?? 10);
    checkNonNegativeInt('cooldown', opts.cooldown ?? 0);
    checkNonNegativeFloat('minDelta', opts.minDelta ?? 1e-4);
    checkNonNegativeFloat('minLr', opts.minLr ?? 0);
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.cooldownCounter = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): void {
    const opt = ctx.model.optimizer;
    const lr = getLearningRate(opt);
    if (lr === undefined) throw new Error('ReduceLROnPlateau: this optimizer has no learning rate to reduce.');
    logs['lr'] = lr;
    const value = logs[this.opts.monitor ?? 'val_loss'];
    if (value === undefined || Number.isNaN(value)) return;
    const delta = this.opts.minDelta ?? 1e-4;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    const improved = this.mode === 'min' ? value < this.best - delta : value > this.best + delta;
    if (improved) {
      this.best = value;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      const minLr = this.opts.minLr ?? 0;
      if (this.wait >= (this.opts.patience ?? 10) && lr > minLr + minLr * 1e-4) {
        const next = Math.max(lr * (this.opts.factor ?? 0.1), minLr);
        setLearningRate(opt, next);
        this.cooldownCounter = this.opts.cooldown ?? 0;
        this.wait = 0;
        this.opts.onReduce?.(epoch, next);
      }
      this.wait++;
    }
  }
}
