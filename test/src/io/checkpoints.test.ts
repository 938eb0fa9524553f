import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  FileCheckpointStore,
  latestCheckpointDir,
  readCheckpoint,
} from '../../../src/io/checkpoints.js';
import { loadModel, modelArtifacts } from '../../../src/io/model-io.js';
import type { Checkpoint, TrainerState } from '../../../src/io/snapshot.js';
import { Rng } from '../../../src/rng/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-ckpt-'));
let net: tf.LayersModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const kernelInitializer = tf.initializers.glorotUniform({ seed: 1 });
  net = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], name: 'q', kernelInitializer })] });
});
afterAll(() => {
  net.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function weightsOf(m: tf.LayersModel): number[][] {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}

function trainerAt(step: number): TrainerState {
  return {
    step,
    episode: 3,
    episodeSeed: 42,
    episodeActions: [0, 2, 1],
    episodeReturn: -1,
    rng: new Rng(5).getState(),
    recentReturns: [1, -1],
    bestEvalReturn: null,
    finished: false,
  };
}

async function checkpointAt(step: number): Promise<Checkpoint> {
  return {
    format: 'tfgym-checkpoint',
    version: 1,
    agent: 'test',
    trainer: trainerAt(step),
    agentState: {
      kind: 'test',
      json: { updates: step, note: 'plain data' },
      models: { online: await modelArtifacts(net) },
      // Odd lengths, so alignment padding is needed between them.
      blobs: {
        bytes: Uint8Array.of(1, 2, 3),
        ints: Int32Array.of(-7, 8, 9),
        floats: Float32Array.of(0.5, -1.25),
        doubles: Float64Array.of(Math.PI),
      },
    },
  };
}

describe('FileCheckpointStore and readCheckpoint', () => {
  it('round-trips trainer state, agent JSON, networks and arrays of every dtype; keeps the newest two', async () => {
    const runDir = join(dir, 'run');
    const store = new FileCheckpointStore(runDir);
    for (const step of [100, 200, 300]) await store.save(await checkpointAt(step));
    const kept = readdirSync(join(runDir, 'checkpoints')).sort();
    expect(kept).toEqual(['latest.json', 'step-000000200', 'step-000000300']);
    const cpDir = latestCheckpointDir(runDir);
    expect(cpDir).toBe(join(runDir, 'checkpoints', 'step-000000300'));
    const back = readCheckpoint(cpDir as string);
    const want = await checkpointAt(300);
    expect(back.trainer).toEqual(want.trainer);
    expect(back.agentState.json).toEqual(want.agentState.json);
    for (const [k, v] of Object.entries(want.agentState.blobs)) {
      const got = back.agentState.blobs[k];
      expect(got?.constructor).toBe(v.constructor);
      expect(Array.from(got ?? [])).toEqual(Array.from(v));
    }
    const online = back.agentState.models['online'];
    expect(online?.weightSpecs).toEqual(want.agentState.models['online']?.weightSpecs);
    // The network folder is a plain tfjs layers model.
    const loaded = await loadModel(join(cpDir as string, 'online'));
    expect(weightsOf(loaded)).toEqual(weightsOf(net));
    loaded.dispose();
  });

  it('saveBest replaces best/ whole; no temporary folders or files are left', async () => {
    const runDir = join(dir, 'best-run');
    const store = new FileCheckpointStore(runDir);
    await store.saveBest(await modelArtifacts(net), { step: 1, meanReturn: 0.5 });
    await store.saveBest(await modelArtifacts(net), { step: 2, meanReturn: 0.75 });
    expect(readdirSync(runDir)).toEqual(['best']);
    expect(readdirSync(join(runDir, 'best')).sort()).toEqual(['eval.json', 'model.json', 'weights.bin']);
    expect(JSON.parse(readFileSync(join(runDir, 'best', 'eval.json'), 'utf8'))).toEqual({ step: 2, meanReturn: 0.75 });
  });

  it('corrupt or truncated network weights give a CheckpointError', async () => {
    const runDir = join(dir, 'corrupt');
    const cpDir = await new FileCheckpointStore(runDir).save(await checkpointAt(7));
    const w = join(cpDir, 'online', 'weights.bin');
    const bytes = readFileSync(w);
    const flipped = Buffer.from(bytes);
    flipped[0] = (flipped[0] ?? 0) ^ 0xff;
    writeFileSync(w, flipped);
    expect(() => readCheckpoint(cpDir)).toThrow(CheckpointError);
    expect(() => readCheckpoint(cpDir)).toThrow(/weights of .*online.* are corrupt \(CRC-32C mismatch/);
    writeFileSync(w, bytes.subarray(0, 8));
    expect(() => readCheckpoint(cpDir)).toThrow(CheckpointError);
    expect(() => readCheckpoint(cpDir)).toThrow(/truncated or corrupt/);
  });
});
