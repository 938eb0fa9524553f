#!/usr/bin/env node
// Builds the native addon with node-gyp during `npm install` / `npm ci`, and never fails the
// install: whatever happens, it writes native/build/status.json ({ ok, reason, ... }) so that
// `tfgym info` can say why the `native` backend is unavailable, and exits 0.
//
//   TFGYM_NATIVE_SKIP_BUILD=1   skip the build (status records why)
//   TFGYM_NATIVE_FORCE_BUILD=1  rebuild even when the addon is up to date
//   TFGYM_NATIVE_BUILD_TIMEOUT  seconds before giving up (default 600)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = join(here, 'build');
const started = Date.now();

function finish(status) {
  try {
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(
      join(buildDir, 'status.json'),
      `${JSON.stringify({ ...status, node: process.versions.node, abi: process.versions.modules, seconds: (Date.now() - started) / 1000, at: new Date().toISOString() }, null, 2)}\n`,
    );
  } catch {
    // An unwritable tree must not fail the install either.
  }
  const line = status.ok
    ? `tfgym: native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s`
    : `tfgym: native addon not built (${status.reason}); the wasm/cpu backends will be used`;
  process.stderr.write(`${line}\n`);
  process.exit(0);
}

/** node-gyp's entry point: the one npm passes to scripts, else the one bundled with npm, else a local one. */
function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const candidates = [
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  if (process.env.npm_execpath)
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

/** Headers for node-gyp: npm's nodedir if configured, else the ones installed beside this node (never a download). */
function findNodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured && existsSync(join(configured, 'include', 'node', 'node_api.h'))) return configured;
  const beside = join(dirname(process.execPath), '..');
  if (existsSync(join(beside, 'include', 'node', 'node_api.h'))) return beside;
  return configured || undefined;
}

if (process.env.TFGYM_NATIVE_SKIP_BUILD === '1')
  finish({ ok: false, reason: 'build skipped (TFGYM_NATIVE_SKIP_BUILD=1)' });

// Every `npm install` runs this script: skip the compile when the addon was already built from
// these exact sources for this Node ABI (TFGYM_NATIVE_FORCE_BUILD=1 rebuilds anyway).
const sourceHash = (() => {
  const h = createHash('sha256').update(process.versions.modules).update(process.arch);
  for (const f of [
    'binding.gyp',
    ...readdirSync(join(here, 'src'))
      .sort()
      .map((n) => join('src', n)),
  ])
    h.update(f).update(readFileSync(join(here, f)));
  return h.digest('hex').slice(0, 16);
})();
const addonPath = join(buildDir, 'Release', 'tfgym_native.node');
if (process.env.TFGYM_NATIVE_FORCE_BUILD !== '1' && existsSync(addonPath)) {
  try {
    const prev = JSON.parse(readFileSync(join(buildDir, 'status.json'), 'utf8'));
    if (prev.ok && prev.sourceHash === sourceHash) {
      process.stderr.write('tfgym: native addon up to date\n');
      process.exit(0);
    }
  } catch {
    // no usable status: build
  }
}

const gyp = findNodeGyp();
if (!gyp) finish({ ok: false, reason: 'node-gyp not found (it ships with npm)' });

const args = [gyp, 'rebuild', '--release', `--jobs=${process.env.TFGYM_NATIVE_JOBS ?? 'max'}`];
const nodedir = findNodeDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const timeoutS = Number(process.env.TFGYM_NATIVE_BUILD_TIMEOUT ?? 600);
const r = spawnSync(process.execPath, args, {
  cwd: here,
  encoding: 'utf8',
  timeout: timeoutS * 1000,
  // Offline machines: never let node-gyp reach out for headers.
  env: { ...process.env, npm_config_offline: 'true' },
});
const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
if (r.error || r.status !== 0) {
  const lines = out.split('\n').filter((l) => /error|not found|No such file|command not found/i.test(l));
  const why = r.error ? r.error.message : lines.slice(0, 3).join(' | ').trim() || `node-gyp exited with ${r.status}`;
  try {
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(join(buildDir, 'build.log'), out);
  } catch {
    // ignore: status.json below still says why
  }
  finish({ ok: false, reason: `build failed: ${why.slice(0, 400)} (log: native/build/build.log)` });
}
if (!existsSync(addonPath)) finish({ ok: false, reason: 'node-gyp succeeded but produced no tfgym_native.node' });
try {
  const mod = createRequire(import.meta.url)(addonPath);
  finish({ ok: true, kernel: mod.kernel(), threads: mod.threads(), sourceHash });
} catch (e) {
  finish({ ok: false, reason: `built but failed to load: ${e instanceof Error ? e.message : String(e)}` });
}
