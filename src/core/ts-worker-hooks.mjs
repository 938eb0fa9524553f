// Module hooks for running the TypeScript sources in a worker thread (development and tests only:
// after `npm run build` the worker is plain JavaScript and this file is not used). Vitest
// transforms TypeScript for the test files, but worker_threads start a bare Node that would not;
// `AsyncVectorEnv` registers these hooks in such a worker. Sources import `./x.js`, as NodeNext
// wants, so a missing `.js` resolves to the `.ts` beside it, which esbuild (a dev dependency)
// strips of its types.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('file:'))) {
      return next(`${specifier.slice(0, -3)}.ts`, context);
    }
    throw e;
  }
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const path = fileURLToPath(url);
    const { code } = transformSync(readFileSync(path, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'es2022',
      sourcefile: path,
      sourcemap: 'inline',
    });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return next(url, context);
}
