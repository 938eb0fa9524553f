/**
 * CleanRL's own `dqn.py` timed on this machine, side by side with `tfgym train dqn --preset
 * cleanrl` (the same defaults) in one run: issue 20's wall-time comparison. CleanRL is not
 * vendored: point `--cleanrl` at a checkout of vwxyzjn/cleanrl (its `cleanrl/dqn.py` and
 * `cleanrl_utils/`) and `TFGYM_PYTHON` (or `--python`) at a Python with torch, gymnasium, tyro
 * and tensorboard. For each env, CleanRL runs first (its seed `--peer-seed`), then tfgym for each
 * of `--seeds`; CleanRL's script runs unchanged through bench/peer-shims/cleanrl_gym1.py, which
 * gives it Gymnasium 0.29's vector-env infos on Gymnasium 1.x (the only one this machine's index
 * has); each tfgym run appends its result line to `--results` (as `tfgym train
 * --results`), and each CleanRL run appends a `"kind": "peer"` line to `--peer-results`, from
 * which RESULTS.md shows the peer's wall time next to tfgym's.
 *
 * Run (quiet machine, ~4 min per CleanRL run and ~70 s per tfgym run on 2 cores):
 *   npm run build && node dist/bench/cleanrl-dqn.js --cleanrl ../cleanrl \
 *     --env CartPole-v1 --env Acrobot-v1 --env MountainCar-v0 --seeds 1671,1672,1673
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { appendLineDurable, pathExists } from '../src/io/files.js';
import { gitInfo } from '../src/io/package.js';
import { machineInfo } from '../src/io/result-lines.js';

/** One timed CleanRL run, as appended to the peer results file. */
export interface PeerLine {
  readonly kind: 'peer';
  readonly peer: 'cleanrl/dqn.py';
  /** The CleanRL checkout's commit, or null when it is not a git checkout. */
  readonly peerCommit: string | null;
  readonly env: string;
  readonly seed: number;
  readonly totalSteps: number;
  readonly wallSeconds: number;
  readonly stepsPerSecond: number;
  /** Training episodes finished and the mean return of the last 100 (exploration on, as it prints them). */
  readonly episodes: number;
  readonly meanReturn100: number | null;
  readonly python: string;
  readonly torch: string;
  readonly command: string;
  /** tfgym's commit when this was measured (the side-by-side tfgym runs carry the same one). */
  readonly commit: string;
  readonly date: string;
  readonly machine: ReturnType<typeof machineInfo>;
}

/** The `episodic_return=` values CleanRL's `dqn.py` prints, in order. */
export function parseEpisodicReturns(stdout: string): number[] {
  const out: number[] = [];
  for (const m of stdout.matchAll(/episodic_return=\[?(-?[\d.]+(?:e[-+]?\d+)?)\]?/g)) out.push(Number(m[1]));
  return out;
}

/** Runs a command, echoing a progress line now and then; resolves with its stdout, exit code and seconds. */
function timed(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; label: string },
): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lastNote = t0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const now = performance.now();
      if (now - lastNote > 30_000) {
        lastNote = now;
        const sps = [...d.matchAll(/SPS: (\d+)/g)].pop();
        process.stderr.write(
          `  ${opts.label}: ${((now - t0) / 1000).toFixed(0)} s${sps ? `, ${sps[1]} steps/s` : ''}\n`,
        );
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
  });
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

async function main(argv: readonly string[]): Promise<number> {
  const cmd = new Command('cleanrl-dqn')
    .description("time CleanRL's dqn.py and tfgym's cleanrl preset side by side on this machine")
    .requiredOption('--cleanrl <dir>', 'a checkout of vwxyzjn/cleanrl')
    .option(
      '--python <path>',
      'Python with torch, gymnasium, tyro, tensorboard',
      process.env['TFGYM_PYTHON'] ?? 'python3',
    )
    .option('--env <id>', 'env id (repeatable)', (v: string, a: string[]) => [...a, v], [] as string[])
    .option('--total-steps <n>', 'steps per run (CleanRL default 500000)', '500000')
    .option('--peer-seed <n>', "CleanRL's seed", '1671')
    .option('--seeds <list>', "tfgym's seeds, comma separated", '1671,1672,1673')
    .option('--backend <name>', 'tfgym backend', 'native')
    .option('--results <file>', 'tfgym result lines', 'results/train/classic-control-dqn.jsonl')
    .option('--peer-results <file>', 'CleanRL peer lines', 'results/peers/cleanrl-dqn.jsonl')
    .exitOverride();
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts<{
    cleanrl: string;
    python: string;
    env: string[];
    totalSteps: string;
    peerSeed: string;
    seeds: string;
    backend: string;
    results: string;
    peerResults: string;
  }>();
  const dir = resolve(o.cleanrl);
  const script = join(dir, 'cleanrl', 'dqn.py');
  if (!pathExists(script)) {
    process.stderr.write(`error: ${script} not found: --cleanrl must name a checkout of vwxyzjn/cleanrl\n`);
    return 1;
  }
  const probe = spawnSync(o.python, ['-c', 'import torch, gymnasium, tyro; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    process.stderr.write(`error: ${o.python} cannot import torch, gymnasium and tyro (set --python or TFGYM_PYTHON)\n`);
    return 1;
  }
  const torchVersion = probe.stdout.trim();
  const pyVersion = spawnSync(o.python, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const peerCommit = spawnSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  const envs = o.env.length ? o.env : ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0'];
  const steps = Number(o.totalSteps);
  const seeds = o.seeds.split(',').filter(Boolean).map(Number);
  if (!Number.isInteger(steps) || steps <= 0 || seeds.some((s) => !Number.isInteger(s))) {
    process.stderr.write('error: --total-steps and --seeds must be integers\n');
    return 1;
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const tfgym = join(root, 'bin', 'tfgym.js');
  const work = mkdtempSync(join(tmpdir(), 'tfgym-cleanrl-'));
  const rows: string[] = [];
  try {
    for (const env of envs) {
      // Through the Gymnasium 1.x shim (bench/peer-shims/cleanrl_gym1.py): the script wants 0.29's vector infos.
      const shim = join(root, 'bench', 'peer-shims', 'cleanrl_gym1.py');
      const args = [
        shim,
        script,
        '--env-id',
        env,
        '--seed',
        o.peerSeed,
        '--total-timesteps',
        String(steps),
        '--no-cuda',
      ];
      process.stderr.write(`CleanRL dqn.py on ${env}, seed ${o.peerSeed}\n`);
      // Runs in a scratch folder: dqn.py writes runs/ (TensorBoard) into its working directory.
      const peer = await timed(o.python, args, {
        cwd: work,
        env: { ...process.env, PYTHONPATH: dir },
        label: `CleanRL ${env}`,
      });
      if (peer.code !== 0) {
        process.stderr.write(
          `error: CleanRL dqn.py failed on ${env} (exit ${peer.code}):\n${peer.stderr.slice(-2000)}\n`,
        );
        return 1;
      }
      const returns = parseEpisodicReturns(peer.stdout);
      const line: PeerLine = {
        kind: 'peer',
        peer: 'cleanrl/dqn.py',
        peerCommit: peerCommit.status === 0 ? peerCommit.stdout.trim() : null,
        env,
        seed: Number(o.peerSeed),
        totalSteps: steps,
        wallSeconds: Math.round(peer.seconds * 1000) / 1000,
        stepsPerSecond: Math.round(steps / peer.seconds),
        episodes: returns.length,
        meanReturn100: returns.length ? Math.round(mean(returns.slice(-100)) * 1000) / 1000 : null,
        python: pyVersion,
        torch: torchVersion,
        command: ['python', 'bench/peer-shims/cleanrl_gym1.py', 'cleanrl/dqn.py', ...args.slice(2)].join(' '),
        commit: gitInfo().commit,
        date: new Date().toISOString(),
        machine: machineInfo(),
      };
      appendLineDurable(o.peerResults, JSON.stringify(line));
      const ours: number[] = [];
      for (const seed of seeds) {
        process.stderr.write(`tfgym train dqn --preset cleanrl on ${env}, seed ${seed}\n`);
        const runDir = join(work, `tfgym-${env}-${seed}`);
        const r = await timed(
          process.execPath,
          [
            tfgym,
            'train',
            'dqn',
            '--env',
            env,
            '--preset',
            'cleanrl',
            '--total-steps',
            String(steps),
            '--seed',
            String(seed),
            '--backend',
            o.backend,
            '--quiet',
            '--run-dir',
            runDir,
            '--results',
            resolve(o.results),
          ],
          { cwd: root, env: process.env, label: `tfgym ${env}` },
        );
        if (r.code !== 0) {
          process.stderr.write(`error: tfgym train failed on ${env} (exit ${r.code}):\n${r.stderr.slice(-2000)}\n`);
          return 1;
        }
        ours.push(r.seconds);
        rmSync(runDir, { recursive: true, force: true });
      }
      const row = `${env}: CleanRL dqn.py ${peer.seconds.toFixed(1)} s (seed ${o.peerSeed}); tfgym ${ours.map((s) => s.toFixed(1)).join(', ')} s (seeds ${seeds.join(', ')}); CleanRL / tfgym = ${(peer.seconds / mean(ours)).toFixed(2)}x`;
      process.stderr.write(`${row}\n`);
      rows.push(row);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`${rows.join('\n')}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      const code = (e as { code?: string }).code;
      // commander has printed --help or its own usage error.
      if (typeof code === 'string' && code.startsWith('commander.')) {
        process.exitCode = code === 'commander.helpDisplayed' ? 0 : 1;
        return;
      }
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
