/**
 * The layout's rules, checked on the import graph of every source file (README, Development):
 * - three tiers, each importing only downward: the foundation `src/` imports nothing from the
 *   domains (`envs/`, `models/`, `agents/`, `examples/`) or the faces (`cli/`, `bench/`,
 *   `api/`); a domain imports the foundation and the domains below it (`agents/` may build on
 *   `models/` and `envs/`, `examples/` on `models/` and `agents/`), never a face;
 * - `envs/` never imports TensorFlow.js (game logic is tensor-free);
 * - nothing outside `cli/` imports from `cli/`;
 * - no import cycles between files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const SOURCE_DIRS = ['src', 'envs', 'models', 'agents', 'examples', 'cli', 'bench', 'api'];

/** Every .ts file under `dir` (relative to the repo root), skipping folders that do not exist. */
function tsFiles(dir: string): string[] {
  const abs = join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = join(dir, e);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...tsFiles(rel));
    else if (e.endsWith('.ts') && !e.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s*'([^']+)'/g;

interface Edge {
  readonly to: string;
  readonly typeOnly: boolean;
}

/** The imports of one file: relative ones resolved to repo paths, bare ones as written. */
function importsOf(file: string): { local: Edge[]; bare: string[] } {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const local: Edge[] = [];
  const bare: string[] = [];
  for (const m of src.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec === undefined) continue;
    if (spec.startsWith('.')) {
      const to = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
      local.push({ to, typeOnly: /^\s*(?:import|export)\s+type\s/.test(m[0].trimStart()) });
    } else bare.push(spec);
  }
  return { local, bare };
}

const files = SOURCE_DIRS.flatMap(tsFiles);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const top = (f: string): string => f.split('/')[0] ?? f;

/** Which top-level folders each may import (besides itself). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  src: [],
  envs: ['src'],
  models: ['src'],
  agents: ['src', 'models', 'envs'],
  examples: ['src', 'models', 'agents', 'envs'],
  cli: ['src', 'envs', 'models', 'agents', 'examples', 'bench'],
  bench: ['src', 'envs', 'models', 'agents', 'examples'],
  api: ['src', 'envs', 'models', 'agents', 'examples'],
};

describe('architecture', () => {
  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain('src/core/env.ts');
  });

  it('imports only downward between tiers', () => {
    const bad: string[] = [];
    for (const [f, { local }] of graph) {
      const from = top(f);
      const allowed = ALLOWED[from] ?? [];
      for (const e of local) {
        const to = top(e.to);
        if (to !== from && !allowed.includes(to)) bad.push(`${f} -> ${e.to}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('resolves every relative import to a file that exists', () => {
    const missing: string[] = [];
    for (const [f, { local }] of graph) {
      for (const e of local) {
        if (!SOURCE_DIRS.includes(top(e.to))) continue; // viewer page, package.json, shared/ ...
        if (!graph.has(e.to)) missing.push(`${f} -> ${e.to}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('keeps TensorFlow.js out of envs/', () => {
    const bad = files.filter((f) => top(f) === 'envs' && graph.get(f)!.bare.some((b) => b.startsWith('@tensorflow/')));
    expect(bad).toEqual([]);
  });

  it('has no import cycles', () => {
    // Tarjan's strongly connected components over value and type imports alike.
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      idx.set(v, index);
      low.set(v, index);
      index++;
      stack.push(v);
      onStack.add(v);
      for (const { to } of graph.get(v)?.local ?? []) {
        if (!graph.has(to)) continue;
        if (!idx.has(to)) {
          visit(to);
          low.set(v, Math.min(low.get(v)!, low.get(to)!));
        } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, idx.get(to)!));
      }
      if (low.get(v) === idx.get(v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1) cycles.push(comp.sort());
      }
    };
    for (const f of files) if (!idx.has(f)) visit(f);
    expect(cycles.map((c) => c.map((f) => relative('.', f)).join(' <-> '))).toEqual([]);
  });
});
