/**
 * The package as a user gets it: `npm pack` the repository (dist/ built first if it is missing or
 * older than the sources), install the tarball offline into a fresh project (the dependencies come
 * from the npm cache that `npm ci` filled; the lockfile written here names them with their
 * integrity, so npm needs no registry metadata), then, from that project:
 * - check what the tarball holds;
 * - import every entry point in a fresh process: `tfgym` registers the built-in envs and does
 *   nothing else (no tfjs backend chosen or initialised), the tensor-free subpaths do not even
 *   load TensorFlow.js;
 * - train a tiny DQN on `native` (the addon the install script built) and on `cpu`;
 * - type-check a TypeScript file and the README's library example against the shipped types;
 * - run the README's library example as written, and the `tfgym` bin.
 *
 * Nothing is skipped silently: a step that cannot run (no npm cache, no compiler under CI) fails
 * with the command's output.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SOURCE_DIRS = ['api', 'src', 'envs', 'agents', 'models', 'examples', 'cli', 'bench'];
const ENTRY_POINTS = ['tfgym', 'tfgym/envs', 'tfgym/agents', 'tfgym/models', 'tfgym/data', 'tfgym/viewer'];

interface PackedFile {
  readonly path: string;
}
interface PackResult {
  readonly filename: string;
  readonly integrity: string;
  readonly files: readonly PackedFile[];
}
interface LockEntry {
  readonly version?: string;
  readonly dev?: boolean;
  readonly resolved?: string;
  readonly [key: string]: unknown;
}
interface ImportReport {
  readonly exports: string[];
  readonly tfLoaded: boolean;
  readonly backendName: string | null;
  readonly initialisedBackends: string[];
  readonly registered: string[] | null;
  readonly listenersBefore: Record<string, number>;
  readonly listenersAfter: Record<string, number>;
}
interface TrainReport {
  readonly selection: string;
  readonly tfBackend: string;
  readonly catch: { readonly shape: number[]; readonly steps: number };
  readonly dqn: { readonly updates: number; readonly losses: number[]; readonly q: number[] };
  readonly run: {
    readonly steps: number;
    readonly episodes: number;
    readonly reason: string;
    readonly finalEval: number | null;
    readonly runDir: string;
  };
  readonly evaluate: {
    readonly episodes: number;
    readonly meanReturn: number;
    readonly wins: number | null;
    readonly source: string;
  };
}

/** The environment for child processes: no npm lifecycle variables of an enclosing `npm test`, no tfgym switches. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^npm_(lifecycle|package)_/i.test(k) ||
      k.startsWith('TFGYM_') ||
      k === 'NODE_OPTIONS' ||
      k.startsWith('VITEST')
    )
      continue;
    env[k] = v;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...extra };
}

/** Runs a command to completion; throws with its output when it fails. */
function run(
  cmd: string,
  args: readonly string[],
  cwd: string,
  timeoutMs = 120_000,
  extraEnv: Record<string, string> = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: childEnv(extraEnv),
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      `\`${cmd} ${args.join(' ')}\` in ${cwd} failed (${r.error?.message ?? `exit ${String(r.status)}`}):\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r;
}

/** Newest modification time of the .ts files under `dir`. */
function newestSource(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const s = statSync(p);
    if (s.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.endsWith('.ts')) newest = Math.max(newest, s.mtimeMs);
  }
  return newest;
}

/** Builds dist/ (TypeScript and the viewer page) unless it is there and newer than every source. */
function ensureBuilt(): void {
  const marker = join(ROOT, 'dist', 'api', 'index.d.ts');
  const sources = Math.max(...SOURCE_DIRS.map((d) => newestSource(join(ROOT, d))));
  if (!existsSync(marker) || !existsSync(join(ROOT, 'dist', 'api', 'index.js')) || statSync(marker).mtimeMs < sources) {
    run(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      ROOT,
      300_000,
    );
  }
  if (!existsSync(join(ROOT, 'dist', 'viewer', 'index.html')))
    run(process.execPath, ['scripts/build-viewer.mjs'], ROOT);
}

/**
 * The lockfile of the consumer project: tfgym from the tarball, its dependencies as the repository's lockfile pins
 * them.
 */
function consumerLockfile(packed: PackResult, spec: string): unknown {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const registry = run(NPM, ['config', 'get', 'registry'], ROOT).stdout.trim().replace(/\/?$/, '/');
  const packages: Record<string, unknown> = {
    '': { name: 'tfgym-consumer', version: '1.0.0', dependencies: { tfgym: spec } },
    'node_modules/tfgym': {
      version: pkg['version'],
      resolved: spec,
      integrity: packed.integrity,
      hasInstallScript: true,
      license: pkg['license'],
      dependencies: pkg['dependencies'],
      bin: pkg['bin'],
      engines: pkg['engines'],
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev === true || !path.startsWith('node_modules/')) continue;
    // The full name (scoped or not) is what follows the last node_modules/; its tarball URL is the
    // registry's usual one, which is also the key `npm ci` cached it under.
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const base = name.slice(name.lastIndexOf('/') + 1);
    packages[path] = {
      ...entry,
      resolved: entry.resolved ?? `${registry}${name}/-/${base}-${String(entry.version)}.tgz`,
    };
  }
  return { name: 'tfgym-consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

/** The README's library example: the ```js block after the `<!-- library-example -->` marker. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- library-example -->\s*```js\n([\s\S]*?)```\s*<!-- \/library-example -->/.exec(readme);
  if (!m?.[1])
    throw new Error('README.md has no ```js block between <!-- library-example --> and <!-- /library-example -->');
  return m[1];
}

/** Runs a script of the consumer project and parses the JSON line it prints. */
function runJson<T>(
  app: string,
  args: readonly string[],
  timeoutMs = 120_000,
): { report: T; stderr: string; stdout: string } {
  const r = run(process.execPath, args, app, timeoutMs);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { report: JSON.parse(line) as T, stderr: r.stderr, stdout: r.stdout };
}

describe('the packed package, installed offline', () => {
  let work = '';
  let app = '';
  let packed: PackResult;

  beforeAll(() => {
    ensureBuilt();
    work = mkdtempSync(join(tmpdir(), 'tfgym-pack-'));
    // --ignore-scripts: prepack would delete dist/ (a release builds from scratch), which other
    // test files are using right now; dist/ was just checked to be current.
    const out = run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT).stdout;
    packed = (JSON.parse(out) as PackResult[])[0] as PackResult;
    app = join(work, 'app');
    mkdirSync(app);
    const spec = `file:../${packed.filename}`;
    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'tfgym-consumer', version: '1.0.0', private: true, type: 'module', dependencies: { tfgym: spec }, allowScripts: { tfgym: true } }, null, 2)}\n`,
    );
    writeFileSync(join(app, 'package-lock.json'), `${JSON.stringify(consumerLockfile(packed, spec), null, 2)}\n`);
    try {
      run(NPM, ['ci', '--offline', '--no-audit', '--no-fund'], app, 240_000);
    } catch (e) {
      throw new Error(
        `offline install of the tarball failed; it needs the npm cache that \`npm ci\` fills in this repository.\n${(e as Error).message}`,
      );
    }
    for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(app, f));
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds dist/ (with types and maps), bin/, the native sources and build script, README, LICENSE, the book figures, and nothing else', () => {
    const paths = packed.files.map((f) => f.path);
    const allowed = [
      /^dist\/(?!test\/)/,
      /^bin\/[^/]+\.js$/,
      /^native\/src\/[^/]+\.(cc|h)$/,
      /^native\/binding\.gyp$/,
      /^native\/build\.mjs$/,
      /^README\.md$/,
      /^LICENSE$/,
      /^package\.json$/,
      /^results\/book\.json$/,
    ];
    expect(paths.filter((p) => !allowed.some((re) => re.test(p)))).toEqual([]);
    expect(paths.filter((p) => /\.ts$/.test(p) && !p.endsWith('.d.ts'))).toEqual([]);
    for (const name of ['index', 'envs', 'agents', 'models', 'data', 'viewer']) {
      for (const ext of ['.js', '.js.map', '.d.ts', '.d.ts.map']) expect(paths).toContain(`dist/api/${name}${ext}`);
    }
    // results/book.json: the book's figures, which `tfgym example` reads at run time.
    for (const p of [
      'bin/tfgym.js',
      'dist/cli/main.js',
      'results/book.json',
      'dist/viewer/index.html',
      'dist/viewer/app.js',
      'native/build.mjs',
      'native/binding.gyp',
      'native/src/addon.cc',
      'README.md',
      'LICENSE',
    ]) {
      expect(paths).toContain(p);
    }
    // Source maps carry their sources, since the .ts files are not shipped.
    const map = JSON.parse(readFileSync(join(app, 'node_modules', 'tfgym', 'dist', 'api', 'index.js.map'), 'utf8')) as {
      sourcesContent?: string[];
    };
    expect(map.sourcesContent?.[0]).toMatch(/export \* from '\.\/envs\.js'/);
  });

  it('built the native addon in the install script', () => {
    const status = JSON.parse(
      readFileSync(join(app, 'node_modules', 'tfgym', 'native', 'build', 'status.json'), 'utf8'),
    ) as { ok: boolean; reason?: string };
    const repoStatus = JSON.parse(readFileSync(join(ROOT, 'native', 'build', 'status.json'), 'utf8')) as {
      ok: boolean;
    };
    // Where the repository's own build worked (always under CI), the installed one must too.
    if (repoStatus.ok || process.env['CI'] === 'true') expect(status, status.reason).toMatchObject({ ok: true });
    else
      process.stderr.write(
        `native addon not built here (${String(status.reason)}); the native training case is skipped\n`,
      );
  });

  it('registers the built-in envs on import and chooses no backend', () => {
    const { report, stdout, stderr } = runJson<ImportReport>(app, ['import-check.mjs', 'tfgym']);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toBe('');
    expect(report.registered).toEqual(expect.arrayContaining(['Catch-v0', 'bsuite/Catch-v0', 'MinAtar/Breakout-v1']));
    expect(report.tfLoaded).toBe(true);
    expect(report.backendName).toBeNull();
    expect(report.initialisedBackends).toEqual([]);
    expect(report.listenersAfter).toEqual(report.listenersBefore);
    const surface = [
      'make',
      'register',
      'registeredIds',
      'spec',
      'Box',
      'Discrete',
      'MultiDiscrete',
      'TimeLimit',
      'FrameStack',
      'SyncVectorEnv',
      'checkEnv',
      'EnvStream',
      'RandomState',
      'PCG64',
      'Generator',
      'SeedSequence',
      'Rng',
      'DqnAgent',
      'TabularQAgent',
      'RandomAgent',
      'DQN_CONFIG',
      'DQN_PRESETS',
      'resolveDqnConfig',
      'train',
      'evaluate',
      'loadRunPolicy',
      'trainLoop',
      'useBackend',
      'resolveBackend',
      'mnistMlp',
      'lenet',
      'cifar10Cnn',
      'vgg16',
      'buildQNetwork',
      'fit',
      'saveModel',
      'loadModel',
      'loadMnist',
      'loadFashionMnist',
      'loadCifar10',
      'ViewerServer',
      'serveEnvStream',
      'runLiveLoop',
      'tf',
    ];
    expect(surface.filter((name) => !report.exports.includes(name))).toEqual([]);
  });

  it('keeps every entry point free of side effects, and tfgym/envs, tfgym/data and tfgym/viewer free of TensorFlow.js', () => {
    for (const specifier of ENTRY_POINTS.slice(1)) {
      const { report, stderr } = runJson<ImportReport>(app, ['import-check.mjs', specifier]);
      expect(stderr, specifier).toBe('');
      expect(report.exports.length, specifier).toBeGreaterThan(10);
      expect(report.backendName, specifier).toBeNull();
      expect(report.initialisedBackends, specifier).toEqual([]);
      expect(report.listenersAfter, specifier).toEqual(report.listenersBefore);
      if (['tfgym/envs', 'tfgym/data', 'tfgym/viewer'].includes(specifier))
        expect(report.tfLoaded, specifier).toBe(false);
      if (specifier === 'tfgym/envs')
        expect(report.registered).toEqual(expect.arrayContaining(['Catch-v0', 'bsuite/Catch-v0']));
    }
    // Only the exported paths resolve.
    const deep = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "await import('tfgym/dist/src/core/env.js')"],
      { cwd: app, encoding: 'utf8', env: childEnv() },
    );
    expect(deep.status).not.toBe(0);
    expect(deep.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
    const version = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { createRequire } from 'node:module'; const { packageVersion } = await import('tfgym'); console.log(createRequire(import.meta.url)('tfgym/package.json').version, packageVersion())",
      ],
      app,
    );
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(`${pkg.version} ${pkg.version}`);
  });

  it.each(['native', 'cpu'])(
    'trains a tiny DQN on %s through the public API',
    (backend) => {
      const status = JSON.parse(
        readFileSync(join(app, 'node_modules', 'tfgym', 'native', 'build', 'status.json'), 'utf8'),
      ) as { ok: boolean };
      if (backend === 'native' && !status.ok && process.env['CI'] !== 'true') return; // reported by the install case above
      const { report } = runJson<TrainReport>(app, ['train-check.mjs', backend]);
      expect(report.selection).toBe(backend);
      expect(report.tfBackend).toBe(backend);
      expect(report.catch).toEqual({ shape: [40 * 40], steps: expect.any(Number) as number });
      expect(report.dqn.updates).toBeGreaterThanOrEqual(40);
      expect(report.dqn.losses.every(Number.isFinite)).toBe(true);
      expect(report.dqn.q).toHaveLength(3);
      expect(report.dqn.q.every(Number.isFinite)).toBe(true);
      expect(report.run).toMatchObject({ steps: 80, reason: 'budget', finalEval: 2 });
      expect(existsSync(join(app, report.run.runDir, 'config.json'))).toBe(true);
      expect(report.evaluate).toMatchObject({ episodes: 3, wins: expect.any(Number) as number });
    },
    120_000,
  );

  it('type-checks a consumer and the README example against the shipped types (strict, nodenext)', () => {
    writeFileSync(join(app, 'readme-example.mts'), readmeExample());
    writeFileSync(
      join(app, 'tsconfig.json'),
      `${JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            module: 'nodenext',
            moduleResolution: 'nodenext',
            lib: ['ES2022', 'DOM'],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
          },
          files: ['consumer.ts', 'readme-example.mts'],
        },
        null,
        2,
      )}\n`,
    );
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--pretty', 'false'],
      {
        cwd: app,
        encoding: 'utf8',
        env: childEnv(),
        timeout: 120_000,
      },
    );
    expect(r.error).toBeUndefined();
    // Exit 0, or 2 with diagnostics (never a crash without any).
    expect(r.status === 0 || (r.status === 2 && /error TS\d+/.test(r.stdout)), `${r.stdout}\n${r.stderr}`).toBe(true);
    // Library files are checked too (skipLibCheck off), so tfgym's own .d.ts must be clean; the
    // errors TensorFlow.js' declarations have under strict checking are theirs, and left out.
    const errors = r.stdout
      .split('\n')
      .filter((l) => /error TS\d+/.test(l) && !l.startsWith('node_modules/@tensorflow/'));
    expect(errors).toEqual([]);
    expect(r.stdout).not.toMatch(/Unused '@ts-expect-error'/);
  }, 120_000);

  it('runs the README library example as written', async () => {
    writeFileSync(join(app, 'readme-example.mjs'), readmeExample());
    const child = spawn(process.execPath, ['readme-example.mjs'], {
      cwd: app,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lineMatching = (re: RegExp): Promise<RegExpExecArray> =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = re.exec(stdout);
          if (m) resolve(m);
          return m !== null;
        };
        if (check()) return;
        const onData = (d: Buffer): void => {
          stdout += d.toString();
          if (check()) child.stdout.off('data', onData);
        };
        child.stdout.on('data', onData);
        void exited.then((code) =>
          reject(new Error(`the example exited (${String(code)}) before printing ${re}:\n${stdout}\n${stderr}`)),
        );
      });
    try {
      const viewer = await lineMatching(/^viewer: (http:\/\/\S+)/m);
      const page = await fetch(viewer[1] as string);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      await lineMatching(/^game 1: (caught|missed)$/m);
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const nativeBuilt = (
      JSON.parse(readFileSync(join(app, 'node_modules', 'tfgym', 'native', 'build', 'status.json'), 'utf8')) as {
        ok: boolean;
      }
    ).ok;
    expect(stdout).toMatch(nativeBuilt ? /^backend: native$/m : /^backend: (wasm|cpu)$/m);
    expect(stdout).toMatch(/^bsuite\/Catch-v0: observations .+, actions .+$/m);
    expect(stdout).toMatch(/^trained 3000 steps into runs\/bsuite_Catch-v0__dqn__1__/m);
    const won = /^mean return (-?\d+\.\d\d), won (\d+) of 100$/m.exec(stdout);
    expect(won, stdout).not.toBeNull();
    // bsuite's Catch is learnt in 3,000 steps: most of the 100 evaluation games are caught.
    expect(Number(won?.[2])).toBeGreaterThanOrEqual(80);
  }, 120_000);

  it('runs the tfgym bin', () => {
    const bin = join(app, 'node_modules', '.bin', 'tfgym');
    expect(run(bin, ['envs', '--json'], app).stdout).toMatch(/bsuite\/Catch-v0/);
    expect(run(bin, ['example', 'list'], app).stdout).toMatch(/mnist-mlp/);
  });
});
