/** `tfgym play --env ID`: a human plays an env in the browser viewer with the keyboard. */
import type { Command } from 'commander';
import { loadBuiltinEnvs } from '../../envs/index.js';
import type { Env } from '../../src/core/env.js';
import { make } from '../../src/core/registry.js';
import { HumanInput, playableKeyMap, runLiveLoop } from '../../src/viewer/loop.js';
import { UsageError } from '../errors.js';
import { intArg } from '../options.js';
import { addViewerOptions, announceViewer, interruptSignal, startViewer, type ViewerFlags } from '../viewer-options.js';
import { spaceInfo } from '../../src/viewer/spaces.js';

/** Registers `play`. */
export function register(program: Command): void {
  const cmd = program
    .command('play')
    .description('play an env yourself in the browser viewer (arrow keys, space)')
    .requiredOption('--env <id>', 'env id, e.g. Catch-v0, bsuite/Catch-v0, MinAtar/Breakout-v1')
    .option('--seed <n>', 'seed of the first episode', intArg(0), 0)
    .option('--episodes <n>', 'stop after this many episodes (default: until Ctrl-C)', intArg(1));
  addViewerOptions(cmd).action(async (opts: ViewerFlags & { env: string; seed: number; episodes?: number }) => {
    loadBuiltinEnvs();
    let env: Env<unknown, number>;
    try {
      env = make<unknown, number>(opts.env, { renderMode: 'rgb_array' });
    } catch (e) {
      throw new UsageError(`--env: ${e instanceof Error ? e.message : String(e)}`);
    }
    const action = spaceInfo(env.actionSpace);
    if (action.n === undefined)
      throw new UsageError(`--env ${opts.env}: play needs a Discrete action space, not ${action.type}`);
    let keys;
    try {
      keys = playableKeyMap(env.metadata.actionNames, opts.env);
    } catch (e) {
      throw new UsageError(`--env ${(e as Error).message}`);
    }
    const server = await startViewer(opts, {
      hello: {
        mode: 'play',
        envId: opts.env,
        observationSpace: spaceInfo(env.observationSpace),
        actionSpace: action,
        actionNames: env.metadata.actionNames ?? [],
        fps: env.metadata.renderFps,
      },
    });
    announceViewer(server, opts.open);
    process.stdout.write(
      `playing ${opts.env} at ${env.metadata.renderFps} fps: focus the page, use the arrow keys and space; Ctrl-C quits\n`,
    );
    const human = new HumanInput(server, keys.idle);
    const stop = interruptSignal();
    try {
      const r = await runLiveLoop({
        env,
        envId: opts.env,
        viewer: server,
        policy: human.policy,
        seed: opts.seed,
        signal: stop.signal,
        ...(opts.episodes !== undefined ? { episodes: opts.episodes } : {}),
        onEpisode: (i, ret, len) => process.stdout.write(`episode ${i + 1}: return ${ret}, length ${len}\n`),
      });
      const total = r.returns.reduce((a, b) => a + b, 0);
      process.stdout.write(`${r.episodes} episode(s), ${r.steps} steps, total return ${total}\n`);
    } finally {
      stop.dispose();
      human.dispose();
      env.close();
      await server.close();
    }
  });
}
