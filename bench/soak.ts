/**
 * `npm run soak [-- --env ID --preset P --total-steps N --buffer-size N --every N --backend B]`:
 * a long DQN run (default: MinAtar Breakout with the MinAtar preset, 36,000 steps, a 5,000-slot
 * replay) that reports the JS heap after a full garbage collection every `--every` steps, and the
 * growth per 10,000 steps once the replay memory is full. A heap that keeps climbing after the
 * replay is full is a leak (the reliability probe of issue 17 found the metric files' buffers,
 * flushed only at checkpoints). Not a test: it takes minutes and its numbers depend on the machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Subject } from 'rxjs';
import * as tf from '@tensorflow/tfjs';
import { train } from '../agents/run.js';
import type { TrainEvent } from '../agents/trainer.js';
import '../envs/index.js';
import type { BackendChoice } from '../src/backends/index.js';

interface SoakOptions {
  env: string;
  preset: string;
  totalSteps: number;
  bufferSize: number;
  every: number;
  backend: BackendChoice;
}

function parse(argv: readonly string[]): SoakOptions {
  const o: SoakOptions = {
    env: 'MinAtar/Breakout-v1',
    preset: 'minatar',
    totalSteps: 36_000,
    bufferSize: 5_000,
    every: 2_000,
    backend: 'auto',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(
        'npm run soak -- [--env ID] [--preset P] [--total-steps N] [--buffer-size N] [--every N] [--backend B]\n',
      );
      process.exit(0);
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    i++;
    const int = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, not ${value}`);
      return n;
    };
    if (flag === '--env') o.env = value;
    else if (flag === '--preset') o.preset = value;
    else if (flag === '--total-steps') o.totalSteps = int();
    else if (flag === '--buffer-size') o.bufferSize = int();
    else if (flag === '--every') o.every = int();
    else if (flag === '--backend') o.backend = value as BackendChoice;
    else throw new Error(`unknown option ${flag}`);
  }
  return o;
}

/** A full collection, then the heap in use (MB). */
function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const runDir = mkdtempSync(join(tmpdir(), 'tfgym-soak-'));
  const events = new Subject<TrainEvent>();
  const rows: Array<{ step: number; episode: number; heapMb: number; rssMb: number; tensors: number }> = [];
  let nextAt = o.every;
  events.subscribe((e) => {
    if (e.type !== 'episode' || e.step < nextAt) return;
    nextAt += o.every;
    const row = {
      step: e.step,
      episode: e.episode,
      heapMb: heapAfterGc(gc),
      rssMb: process.memoryUsage().rss / 1e6,
      tensors: tf.memory().numTensors,
    };
    rows.push(row);
    process.stdout.write(
      `step ${String(row.step).padStart(7)}  episode ${String(row.episode).padStart(6)}  heap after GC ${row.heapMb.toFixed(1)} MB  rss ${row.rssMb.toFixed(0)} MB  tensors ${row.tensors}\n`,
    );
  });
  process.stdout.write(
    `soak: dqn --preset ${o.preset} on ${o.env}, ${o.totalSteps} steps, buffer ${o.bufferSize}, heap every ${o.every} steps\n`,
  );
  try {
    await train({
      agent: 'dqn',
      env: o.env,
      preset: o.preset,
      config: { bufferSize: o.bufferSize },
      totalSteps: o.totalSteps,
      runDir,
      finalEvalEpisodes: 0,
      backend: o.backend,
      events,
    });
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
  // Growth once the replay memory is full (it fills over the first bufferSize steps).
  const steady = rows.filter((r) => r.step >= 2 * o.bufferSize);
  const first = steady[0];
  const last = steady.at(-1);
  if (first && last && last.step > first.step) {
    const perTenK = ((last.heapMb - first.heapMb) * 10_000) / (last.step - first.step);
    process.stdout.write(
      `heap growth with the replay full: ${perTenK >= 0 ? '+' : ''}${perTenK.toFixed(2)} MB per 10k steps ` +
        `(${first.heapMb.toFixed(1)} MB at step ${first.step}, ${last.heapMb.toFixed(1)} MB at step ${last.step}); ` +
        `tensors ${first.tensors} -> ${last.tensors}\n`,
    );
  } else {
    process.stdout.write('too few samples after the replay filled: raise --total-steps\n');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
