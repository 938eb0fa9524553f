/**
 * `getFile`, like Keras' `get_file`: returns the path of a cached file, downloading it first if
 * needed. Downloads stream into a temporary file while being hashed; only a complete file
 * whose checksum matches is renamed into the cache, so a wrong hash, a cut connection or an
 * interruption never leaves a file under the real name.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AtomicFileWriter, pathExists, readBytes } from '../io/files.js';

/** tfgym's cache root: `$TFGYM_HOME`, else `~/.cache/tfgym`. */
export function tfgymHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const h = env['TFGYM_HOME'];
  return h && h.trim() !== '' ? h : join(homedir(), '.cache', 'tfgym');
}

/** Download progress: bytes so far and the total when the server sent one. */
export type ProgressCallback = (received: number, total: number | undefined) => void;

/** Options of {@link getFile}. */
export interface GetFileOptions {
  /** File name inside the cache directory (may contain `/` for a sub-folder). */
  name: string;
  /** URL to download from. */
  origin: string;
  /** Expected sha256 (hex). A cached file that does not match is downloaded again. */
  sha256?: string;
  /** Expected md5 (hex), for sources that publish only MD5 (e.g. CIFAR-10). */
  md5?: string;
  /** Cache directory; default `<tfgymHome()>/datasets`. */
  cacheDir?: string;
  /** Called as bytes arrive (at most every 64 KiB and at the end). */
  onProgress?: ProgressCallback;
  /** The fetch to use (default: global fetch); injectable for tests. */
  fetchImpl?: typeof fetch;
}

/** A download that failed; the message says why, which file, and where to put it by hand. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
}

/** Hex digest of bytes. */
export function hashBytes(bytes: Uint8Array, algorithm: 'sha256' | 'md5' = 'sha256'): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

function matches(bytes: Uint8Array, o: GetFileOptions): boolean {
  if (o.sha256 && hashBytes(bytes, 'sha256') !== o.sha256.toLowerCase()) return false;
  if (o.md5 && hashBytes(bytes, 'md5') !== o.md5.toLowerCase()) return false;
  return true;
}

function networkReason(e: unknown): string {
  const cause = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  const code =
    cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  const msg = e instanceof Error ? e.message : String(e);
  return code ? `${msg} (${code})` : msg;
}

/**
 * Returns the local path of `name`, downloading it from `origin` into the cache if it is not
 * there (or fails its checksum).
 * @throws DownloadError when the download fails or the checksum does not match.
 */
export async function getFile(o: GetFileOptions): Promise<string> {
  const cacheDir = o.cacheDir ?? join(tfgymHome(), 'datasets');
  const target = join(cacheDir, o.name);
  if (pathExists(target) && matches(readBytes(target), o)) return target;
  const byHand = `If this machine is offline, download ${o.origin} elsewhere and put it at ${target} (or point --data-dir / TFGYM_DATA at a folder that holds it).`;
  const doFetch = o.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await doFetch(o.origin);
  } catch (e) {
    throw new DownloadError(`Could not download ${o.name} from ${o.origin}: ${networkReason(e)}. ${byHand}`);
  }
  if (!res.ok || !res.body) {
    throw new DownloadError(
      `Could not download ${o.name} from ${o.origin}: HTTP ${res.status} ${res.statusText}. ${byHand}`,
    );
  }
  const lenHeader = res.headers.get('content-length');
  const total = lenHeader !== null && /^\d+$/.test(lenHeader) ? Number(lenHeader) : undefined;
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const out = new AtomicFileWriter(target);
  let received = 0;
  let lastReport = 0;
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out.write(value);
      sha.update(value);
      md5.update(value);
      received += value.byteLength;
      if (o.onProgress && received - lastReport >= 65536) {
        lastReport = received;
        o.onProgress(received, total);
      }
    }
    if (total !== undefined && received !== total) {
      throw new DownloadError(
        `Download of ${o.name} from ${o.origin} was interrupted: got ${received} of ${total} bytes. ${byHand}`,
      );
    }
    const gotSha = sha.digest('hex');
    if (o.sha256 && gotSha !== o.sha256.toLowerCase()) {
      throw new DownloadError(
        `${o.name} from ${o.origin} has sha256 ${gotSha}, expected ${o.sha256}: the file was not saved. ${byHand}`,
      );
    }
    const gotMd5 = md5.digest('hex');
    if (o.md5 && gotMd5 !== o.md5.toLowerCase()) {
      throw new DownloadError(
        `${o.name} from ${o.origin} has md5 ${gotMd5}, expected ${o.md5}: the file was not saved. ${byHand}`,
      );
    }
    o.onProgress?.(received, total);
    out.commit();
    return target;
  } catch (e) {
    out.abort();
    if (e instanceof DownloadError) throw e;
    throw new DownloadError(
      `Download of ${o.name} from ${o.origin} was interrupted: ${networkReason(e)}. Nothing was cached. ${byHand}`,
    );
  }
}
