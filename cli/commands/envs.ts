/** `tfgym envs [--json]`: every registered env id with its spaces and episode limit. */
import type { Command } from 'commander';
import { loadBuiltinEnvs } from '../../envs/index.js';
import { make, spec } from '../../src/core/registry.js';
import { spaceToJSON } from '../../src/core/spaces.js';

/** One row of `tfgym envs --json`. */
export interface EnvListing {
  id: string;
  observationSpace: ReturnType<typeof spaceToJSON>;
  actionSpace: ReturnType<typeof spaceToJSON>;
  /** The registered `TimeLimit`, or null when episodes end only by termination. */
  maxEpisodeSteps: number | null;
  defaultOptions: Record<string, unknown>;
  description: string;
  /** Short forms used by the text table. */
  observation: string;
  action: string;
}

/** Describes every registered env (each is made once with its default options to read its spaces). */
export function listEnvs(): EnvListing[] {
  return loadBuiltinEnvs().map((id) => {
    const s = spec(id);
    const env = make(id);
    try {
      return {
        id,
        observationSpace: spaceToJSON(env.observationSpace),
        actionSpace: spaceToJSON(env.actionSpace),
        maxEpisodeSteps: s.maxEpisodeSteps,
        defaultOptions: { ...s.defaultOptions },
        description: s.description,
        observation: env.observationSpace.toString(),
        action: env.actionSpace.toString(),
      };
    } finally {
      env.close();
    }
  });
}

/** Formats the listing as an aligned text table. */
export function formatEnvTable(rows: readonly EnvListing[]): string {
  const header = ['id', 'observation', 'action', 'max steps', 'options'];
  const cells = rows.map((r) => [
    r.id,
    r.observation,
    r.action,
    r.maxEpisodeSteps === null ? '-' : String(r.maxEpisodeSteps),
    Object.entries(r.defaultOptions)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...cells.map(fmt)].join('\n');
}

/** Registers `envs`. */
export function register(program: Command): void {
  program
    .command('envs')
    .description('list registered envs with their observation/action spaces and max episode steps')
    .option('--json', 'print one JSON array')
    .action((opts: { json?: boolean }) => {
      const rows = listEnvs();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows.map(({ observation: _o, action: _a, ...rest }) => rest))}\n`);
        return;
      }
      process.stdout.write(`${formatEnvTable(rows)}\n`);
    });
}
