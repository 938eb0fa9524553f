/** `tfgym info [--json]`: versions, backends and the machine. */
import { cpus } from 'node:os';
import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { backendRequest } from '../options.js';
import { probeAllBackends, resolveBackend } from '../../src/backends/index.js';
import { packageVersion } from '../../src/io/package.js';

/** Everything `info` reports (the `--json` object). */
export interface InfoReport {
  tfgym: string;
  node: string;
  tfjs: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  backends: Record<string, { available: boolean; detail?: string; reason?: string }>;
  /** The backend `auto` picks. */
  backend: string;
  backendReason: string;
}

/** Gathers the report (loads every backend once to see which work). */
export async function gatherInfo(): Promise<InfoReport> {
  const probes = await probeAllBackends();
  const auto = await resolveBackend('auto');
  const backends: InfoReport['backends'] = {};
  for (const p of probes) {
    backends[p.name] = p.available ? { available: true, detail: p.detail } : { available: false, reason: p.reason };
  }
  const cpuList = cpus();
  return {
    tfgym: packageVersion(),
    node: process.versions.node,
    tfjs: tf.version.tfjs,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    backends,
    backend: auto.name,
    backendReason: auto.reason,
  };
}

/** Registers `info`. */
export function register(program: Command): void {
  program
    .command('info')
    .description('print versions, available backends and the one auto picks')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      // An unknown TFGYM_BACKEND is refused here as by every other command (exit 2).
      backendRequest(undefined);
      tf.enableProdMode();
      const r = await gatherInfo();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const lines = [
        `tfgym       ${r.tfgym}`,
        `node        ${r.node}`,
        `tfjs        ${r.tfjs}`,
        `platform    ${r.platform}, ${r.cpus} CPU${r.cpus === 1 ? '' : 's'} (${r.cpuModel})`,
        'backends:',
        ...Object.entries(r.backends).map(
          ([name, b]) => `  ${name.padEnd(11)} ${b.available ? `yes  ${b.detail ?? ''}` : `no   ${b.reason ?? ''}`}`,
        ),
        `backend: ${r.backend} (auto picks it: ${r.backendReason})`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
