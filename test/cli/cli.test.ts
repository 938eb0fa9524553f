import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Spawns the compiled CLI as a user would (npm test builds dist/ first).
function tfgym(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/tfgym.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, TFGYM_BACKEND: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('tfgym CLI', () => {
  it('--help exits 0 and lists commands', () => {
    const r = tfgym('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/info/);
    expect(r.out).toMatch(/bench/);
  });

  it('loads only the command it runs: `envs` never loads TensorFlow.js', () => {
    // CommonJS modules imported from ESM land in require.cache: list the tfjs ones after a run.
    const script = [
      "import { createRequire } from 'node:module';",
      "const { run } = await import('./dist/cli/main.js');",
      "const code = await run(['envs']);",
      "const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@tensorflow'));",
      'console.error(JSON.stringify({ code, loaded: loaded.length }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(r.stderr.trim().split('\n').pop() ?? '{}')).toEqual({ code: 0, loaded: 0 });
    // ...while `info` does (the check above can see tfjs when it is there).
    const info = spawnSync(process.execPath, ['--input-type=module', '-e', script.replace("['envs']", "['info']")], {
      encoding: 'utf8',
    });
    expect((JSON.parse(info.stderr.trim().split('\n').pop() ?? '{}') as { loaded: number }).loaded).toBeGreaterThan(0);
  });

  it('--version prints the package version', () => {
    const r = tfgym('--version');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a bad flag exits 2 with a one-line message naming it, no stack trace', () => {
    const r = tfgym('info', '--frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--frobnicate/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a bad value exits 2 naming the flag', () => {
    const r = tfgym('bench', '--reps', 'abc');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--reps/);
  });

  it('an unknown backend in the bench list exits 2 listing choices', () => {
    const r = tfgym('bench', 'mlp-train', '--backend', 'gpu');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/gpu/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('info --json prints versions and the backend auto picks', () => {
    const r = tfgym('info', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    for (const k of ['tfgym', 'node', 'tfjs', 'backends', 'backend']) expect(j).toHaveProperty(k);
    expect(j['tfjs']).toBe('4.22.0');
    expect(['tensorflow', 'native', 'wasm', 'cpu']).toContain(j['backend']);
    expect(r.err).not.toMatch(/Hi there/);
  });
});
