/**
 * Shared pieces of the commands that serve the viewer (`play`, `watch`, `train --watch`): the
 * `--port/--host/--open` flags, starting the server with a friendly error, printing the URL,
 * opening a browser, and closing cleanly on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Command } from 'commander';
import { ViewerServer, type ViewerServerOptions } from '../src/viewer/server.js';
import { UsageError } from './errors.js';
import { intArg } from './options.js';

/** Default viewer port (`--port 0` picks a free one). */
export const DEFAULT_VIEWER_PORT = 7070;

/** Parsed viewer flags. */
export interface ViewerFlags {
  port: number;
  host: string;
  open?: boolean;
}

/** Adds `--port`, `--host` and `--open`. */
export function addViewerOptions(cmd: Command, withOpen = true): Command {
  cmd
    .option('--port <port>', `viewer port; 0 picks a free one`, intArg(0, 65535), DEFAULT_VIEWER_PORT)
    .option('--host <host>', 'address to bind; 0.0.0.0 exposes the viewer to the network', '127.0.0.1');
  if (withOpen) cmd.option('--open', 'open the viewer in a browser, when one is installed');
  return cmd;
}

/** Starts the server; a busy port or a bad host becomes a one-line usage error. */
export async function startViewer(
  flags: ViewerFlags,
  opts: Omit<ViewerServerOptions, 'port' | 'host'>,
): Promise<ViewerServer> {
  try {
    return await ViewerServer.start({ ...opts, port: flags.port, host: flags.host });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new UsageError(`--port ${flags.port} is in use; pick another or pass --port 0`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
      throw new UsageError(`--host ${flags.host} / --port ${flags.port}: cannot bind (${code})`);
    }
    throw e;
  }
}

/** Prints the URL on its own line on stdout (scripts and tests read it), and opens it if asked. */
export function announceViewer(server: ViewerServer, open: boolean | undefined): void {
  process.stdout.write(`viewer: ${server.url}\n`);
  if (open) openBrowser(server.url);
}

function onPath(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** Opens `url` with the first browser launcher found; prints a line when there is none. */
export function openBrowser(url: string): void {
  const launchers =
    process.platform === 'darwin' ? ['open'] : ['xdg-open', 'sensible-browser', 'chromium', 'google-chrome', 'firefox'];
  const found = launchers.map(onPath).find((p) => p !== null);
  if (
    found === undefined ||
    found === null ||
    (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY'])
  ) {
    process.stderr.write('--open: no browser found (or no display); open the URL above yourself\n');
    return;
  }
  const child = spawn(found, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(`--open: could not start ${found}\n`));
  child.unref();
}

/** An AbortSignal fired by the first SIGINT or SIGTERM (a second one exits at once). */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const handler = (): void => {
    if (ac.signal.aborted) process.exit(130);
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
