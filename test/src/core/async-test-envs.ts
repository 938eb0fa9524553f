// A test-only env for AsyncVectorEnv, registered inside its workers (passed in `modules`): it
// throws in step, exits its thread, or fails in its factory, as its options say.
import { BaseEnv } from '../../../src/core/env-base.js';
import type { EnvMetadata, Info, StepResult } from '../../../src/core/env.js';
import { register, registry } from '../../../src/core/registry.js';
import { Box, Discrete } from '../../../src/core/spaces.js';

class Faulty extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box(0, 1000, [2], 'float32');
  readonly actionSpace = new Discrete(2);
  readonly metadata: EnvMetadata = { renderModes: [], renderFps: 1 };
  private t = 0;
  constructor(
    private readonly throwAt: number,
    private readonly exitAt: number,
  ) {
    super();
  }
  protected resetEpisode(): [Float32Array, Info] {
    this.t = 0;
    return [Float32Array.of(0, this.rng.nextInt(100)), { start: true }];
  }
  protected stepEpisode(a: number): StepResult<Float32Array> {
    this.t++;
    if (this.t === this.throwAt) throw new RangeError(`faulty env broke at step ${this.t}`);
    if (this.t === this.exitAt) process.exit(3);
    return [Float32Array.of(this.t, a), 1, this.t >= 5, false, {}];
  }
}

if (!registry.has('test/Faulty-v0')) {
  register(
    'test/Faulty-v0',
    (o) => {
      if (o['failMake'] === true) throw new Error('faulty factory');
      return new Faulty(o['throwAt'] as number, o['exitAt'] as number);
    },
    { defaultOptions: { throwAt: -1, exitAt: -1, failMake: false } },
  );
}
