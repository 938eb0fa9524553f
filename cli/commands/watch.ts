/**
 * `tfgym watch --run-dir DIR`: loads a trained run's policy (its best model, else the latest
 * checkpoint; `loadRunPolicy` in `agents/run.ts`) and streams it playing, greedily or
 * epsilon-greedily, to the browser viewer with its Q-value for every action at every step.
 * Epsilon can be changed live in the page.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadRunPolicy, type ModelChoice } from '../../agents/run.js';
import { Rng } from '../../src/rng/rng.js';
import { runLiveLoop } from '../../src/viewer/loop.js';
import { spaceInfo } from '../../src/viewer/spaces.js';
import { livePolicy } from '../live-policy.js';
import { addBackendOption, floatArg, initBackend, intArg } from '../options.js';
import { addViewerOptions, announceViewer, interruptSignal, startViewer, type ViewerFlags } from '../viewer-options.js';

interface WatchFlags extends ViewerFlags {
  runDir: string;
  episodes?: number;
  epsilon?: number;
  seed: number;
  model: ModelChoice;
  backend?: string;
}

/** Registers `watch`. */
export function register(program: Command): void {
  const cmd = program
    .command('watch')
    .description("watch a trained run's agent play in the browser viewer, with its Q-values")
    .requiredOption('--run-dir <dir>', 'run directory written by tfgym train')
    .option('--episodes <n>', 'stop after this many episodes (default: until Ctrl-C)', intArg(1))
    .option('--epsilon <e>', 'exploration epsilon, also settable in the page (default 0: greedy)', floatArg(0, 1))
    .option('--seed <n>', 'seed of the first episode and of exploration', intArg(0), 0)
    .addOption(
      new Option('--model <which>', 'best model or latest checkpoint (auto: best when there is one)')
        .choices(['auto', 'best', 'latest'])
        .default('auto'),
    );
  addBackendOption(cmd);
  addViewerOptions(cmd);
  cmd.action(async (flags: WatchFlags) => {
    await initBackend(flags.backend, true);
    // Built exactly like the training env (same options and preprocessing), plus rendering.
    const loaded = await loadRunPolicy(flags.runDir, flags.model, { render: true });
    const { run } = loaded;
    const { env, numActions } = loaded.env;
    const random = loaded.policy.alwaysRandom === true;
    let server;
    try {
      server = await startViewer(flags, {
        hello: {
          mode: 'watch',
          envId: run.env,
          observationSpace: spaceInfo(env.observationSpace),
          actionSpace: spaceInfo(env.actionSpace),
          actionNames: env.metadata.actionNames ?? Array.from({ length: numActions }, (_, i) => String(i)),
          fps: env.metadata.renderFps,
        },
        epsilon: random ? 1 : (flags.epsilon ?? 0),
      });
    } catch (e) {
      loaded.dispose();
      throw e;
    }
    announceViewer(server, flags.open);
    process.stdout.write(
      `watching ${run.agent} on ${run.env} (model: ${loaded.source}); the agent plays while a page is open; Ctrl-C quits\n`,
    );
    const stop = interruptSignal();
    try {
      const r = await runLiveLoop({
        env,
        envId: run.env,
        viewer: server,
        seed: flags.seed,
        signal: stop.signal,
        ...(flags.episodes !== undefined ? { episodes: flags.episodes } : {}),
        policy: livePolicy(loaded.policy, server, new Rng(flags.seed)),
        onEpisode: (i, ret, len) => process.stdout.write(`episode ${i + 1}: return ${ret}, length ${len}\n`),
      });
      const mean = r.returns.length > 0 ? r.returns.reduce((a, b) => a + b, 0) / r.returns.length : NaN;
      process.stdout.write(`${r.episodes} episode(s), ${r.steps} steps, mean return ${mean.toFixed(3)}\n`);
    } finally {
      stop.dispose();
      loaded.dispose();
      await server.close();
    }
  });
}
