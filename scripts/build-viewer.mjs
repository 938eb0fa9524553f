#!/usr/bin/env node
// Builds the viewer page into dist/viewer/: esbuild bundles viewer/page/main.ts (with uPlot and
// the shared protocol) into one app.js; the CSS is uPlot's plus ours; index.html is copied.
// Runs as part of `npm run build`, so `npm install` (prepare) ships a page that needs no network.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'viewer', 'page');
const out = join(root, 'dist', 'viewer');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(page, 'main.ts')],
  bundle: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});

const require = createRequire(import.meta.url);
const uplotCss = readFileSync(join(dirname(require.resolve('uplot')), 'uPlot.min.css'), 'utf8');
writeFileSync(join(out, 'app.css'), `${uplotCss}\n${readFileSync(join(page, 'style.css'), 'utf8')}`);
copyFileSync(join(page, 'index.html'), join(out, 'index.html'));
process.stdout.write(`viewer page built into ${out}\n`);
