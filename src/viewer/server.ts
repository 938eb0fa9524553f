/**
 * The viewer's server: one `node:http` server for the static page (built into `dist/viewer/`)
 * and a `ws` websocket at {@link WS_PATH}. It is the only module that touches sockets.
 *
 * Publishing never blocks or slows the caller: `publish*` methods only store the newest value
 * (frames, step, metrics, Q-values) or append to a bounded ring (episodes), in O(1); sockets are
 * written by {@link ViewerServer.flush}, which runs on a timer and right after a frame. A client
 * whose socket is backed up (`bufferedAmount` above a cap) is skipped, so it loses frames (the
 * newest always wins) and, at worst, old ring entries; memory per client stays bounded.
 *
 * Security: binds 127.0.0.1 unless told otherwise; websocket upgrades need an `Origin` of scheme
 * `http` whose host equals the `Host` header (browsers always send one; programs on a loopback
 * bind may omit it, on a network bind it is required), and on a loopback bind the `Host` must
 * itself be a loopback name (this stops DNS-rebinding pages); incoming messages
 * are size-limited and validated, and bad ones are dropped and logged once.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Subject, type Observable } from 'rxjs';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { packageRoot } from '../io/package.js';
import type { RgbFrame } from '../core/env.js';
import {
  PROTOCOL_VERSION,
  WS_PATH,
  decodeClientMessage,
  encodeFrame,
  encodeServerMessage,
  type ClientMessage,
  type EpisodeMessage,
  type HelloMessage,
  type MetricsMessage,
  type QValuesMessage,
  type ServerMessage,
  type StatusMessage,
  type StepMessage,
} from './protocol.js';

/** Options of {@link ViewerServer.start}. */
export interface ViewerServerOptions {
  /** What `hello` announces (without `type` and `version`, which the server fills in). */
  readonly hello: Omit<HelloMessage, 'type' | 'version'>;
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address to bind; default `127.0.0.1` (only this machine can connect). */
  readonly host?: string;
  /** Folder with the built page; default `<package>/dist/viewer`. */
  readonly staticDir?: string;
  /** Initial exploration rate shown and settable in the page; null (default) hides the control. */
  readonly epsilon?: number | null;
  /** A client is skipped while more than this many bytes wait in its socket (default 2 MiB). */
  readonly maxBufferedBytes?: number;
  /** Largest accepted client message in bytes (default 4096); bigger ones close that socket. */
  readonly maxMessageBytes?: number;
  /** Episodes (and a fifth as many metrics) kept for clients that connect later or lag (default 10000). */
  readonly historySize?: number;
  /** Interval of the flush timer in ms (default 50). */
  readonly flushIntervalMs?: number;
  /** Where warnings go (default stderr). */
  readonly log?: (line: string) => void;
}

/** A fixed-capacity ring of messages with global sequence numbers (oldest dropped first). */
class Ring<T> {
  private readonly items: (T | undefined)[];
  /** Sequence number of the next push; entry `s` lives at `s % capacity` while `s >= end - capacity`. */
  end = 0;
  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }
  push(x: T): void {
    this.items[this.end % this.capacity] = x;
    this.end++;
  }
  get start(): number {
    return Math.max(0, this.end - this.capacity);
  }
  at(seq: number): T | undefined {
    return seq >= this.start && seq < this.end ? this.items[seq % this.capacity] : undefined;
  }
}

/** Per-connection state: what it has been sent so far. */
interface Client {
  readonly ws: WebSocket;
  frameSeq: number;
  stepSeq: number;
  qSeq: number;
  statusSeq: number;
  episodeCursor: number;
  metricsCursor: number;
  alive: boolean;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The default folder of the built page. */
export function defaultStaticDir(): string {
  return join(packageRoot(), 'dist', 'viewer');
}

/** The viewer server; create it with {@link ViewerServer.start}. */
export class ViewerServer {
  /** Client control messages (pause, resume, speed, set-epsilon, action), already validated. */
  readonly controls: Observable<ClientMessage>;
  private readonly controlSubject = new Subject<ClientMessage>();
  private readonly clients = new Set<Client>();
  private readonly wss: WebSocketServer;
  private readonly files = new Map<string, { body: Buffer; type: string }>();
  private hello: HelloMessage;
  private readonly log: (line: string) => void;
  private readonly maxBuffered: number;
  private readonly loopbackOnly: boolean;
  private readonly episodes: Ring<string>;
  private readonly metrics: Ring<string>;
  private frame: Uint8Array | null = null;
  private frameSeq = 0;
  private nextFrameAt = -Infinity;
  private step: string | null = null;
  private stepSeq = 0;
  private qvalues: string | null = null;
  private qSeq = 0;
  private status: StatusMessage;
  private statusSeq = 1;
  private readonly warned = new Set<string>();
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  private constructor(
    private readonly http: Server,
    /** The bound port. */
    readonly port: number,
    /** The bound address. */
    readonly host: string,
    opts: ViewerServerOptions,
  ) {
    this.controls = this.controlSubject.asObservable();
    this.hello = { type: 'hello', version: PROTOCOL_VERSION, ...opts.hello };
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.maxBuffered = opts.maxBufferedBytes ?? 2 * 1024 * 1024;
    this.loopbackOnly = LOOPBACK_HOSTS.has(host);
    // About 100 bytes per entry: the default holds ~1 MB of episodes, enough for a late page to
    // draw a long return curve and for a fast trainer between two flushes.
    const history = opts.historySize ?? 10_000;
    this.episodes = new Ring(history);
    this.metrics = new Ring(Math.max(1, Math.ceil(history / 5)));
    this.status = { type: 'status', paused: false, speed: 1, epsilon: opts.epsilon ?? null };
    this.loadStatic(opts.staticDir ?? defaultStaticDir());
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxMessageBytes ?? 4096,
      perMessageDeflate: false,
    });
    http.on('request', (req, res) => this.serveHttp(req, res));
    http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.flushTimer = setInterval(() => this.flush(), opts.flushIntervalMs ?? 50);
    // Drop clients that stopped answering pings: their socket buffers are the only unbounded
    // thing left, and a stalled browser tab should not hold them forever.
    this.pingTimer = setInterval(() => this.heartbeat(), 15_000);
    this.flushTimer.unref();
    this.pingTimer.unref();
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(opts: ViewerServerOptions): Promise<ViewerServer> {
    const http = createServer();
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port ?? 0, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const addr = http.address() as AddressInfo;
    return new ViewerServer(http, addr.port, host, opts);
  }

  /** The page's URL. Wildcard binds print the loopback address, which always works locally. */
  get url(): string {
    const h =
      this.host === '0.0.0.0' || this.host === '::'
        ? '127.0.0.1'
        : this.host.includes(':')
          ? `[${this.host}]`
          : this.host;
    return `http://${h}:${this.port}/`;
  }

  /** Number of connected clients. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Whether a client paused the stream. */
  get paused(): boolean {
    return this.status.paused;
  }

  /** Speed multiplier chosen in the page (1 = the env's fps). */
  get speed(): number {
    return this.status.speed;
  }

  /** Exploration rate chosen in the page, or null where there is none. */
  get epsilon(): number | null {
    return this.status.epsilon;
  }

  /**
   * Replaces what `hello` announces (e.g. once a trainer has built its env) and re-sends it to
   * every client; pages reset their charts on `hello`.
   */
  setHello(hello: Omit<HelloMessage, 'type' | 'version'>): void {
    this.hello = { type: 'hello', version: PROTOCOL_VERSION, ...hello };
    const text = encodeServerMessage(this.hello);
    for (const c of this.clients) if (c.ws.readyState === c.ws.OPEN) c.ws.send(text);
  }

  /** Sets the shared control state (e.g. the host pauses) and tells every client. */
  setStatus(patch: Partial<Omit<StatusMessage, 'type'>>): void {
    this.status = { ...this.status, ...patch };
    this.statusSeq++;
  }

  /**
   * Whether a frame should be rendered now: someone is watching, not paused, and the next
   * slot of the 1 / fps frame grid has come (at speeds above 1 the game steps faster but
   * frames stay at the env's fps: 400x400 Catch at 8x would be 115 MB/s). Cheap; call it every step.
   */
  frameDue(now: number = performance.now()): boolean {
    if (this.clients.size === 0 || this.status.paused) return false;
    return now >= this.nextFrameAt;
  }

  /** Publishes a frame (copied once into a message buffer shared by all clients) and flushes. */
  publishFrame(frame: RgbFrame, step: number, channels = 3): void {
    this.frame = encodeFrame(step, frame.height, frame.width, channels, frame.data);
    this.frameSeq++;
    // Frames follow a grid of period 1/fps, so a fast loop gets exactly fps frames a second
    // and a loop ticking at fps with jitter is never skipped (its ticks stay within half a
    // period of the grid). After a stall the grid restarts half a period ahead: no burst.
    const interval = 1000 / this.hello.fps;
    this.nextFrameAt = Math.max(this.nextFrameAt + interval, performance.now() + interval * 0.5);
    this.flush();
  }

  /** Publishes the latest step (score, small info); only the newest is kept. */
  publishStep(msg: Omit<StepMessage, 'type'>): void {
    this.step = encodeServerMessage({ type: 'step', ...msg });
    this.stepSeq++;
  }

  /** Publishes a finished episode (kept in the history ring). */
  publishEpisode(msg: Omit<EpisodeMessage, 'type'>): void {
    this.episodes.push(encodeServerMessage({ type: 'episode', ...msg }));
  }

  /** Publishes training metrics (kept in the history ring). */
  publishMetrics(msg: Omit<MetricsMessage, 'type'>): void {
    this.metrics.push(encodeServerMessage({ type: 'metrics', ...msg }));
  }

  /** Publishes Q-values; only the newest is kept. */
  publishQValues(msg: Omit<QValuesMessage, 'type'>): void {
    this.qvalues = encodeServerMessage({ type: 'qvalues', ...msg });
    this.qSeq++;
  }

  /** Writes what each client has not seen yet, skipping clients whose socket is backed up. */
  flush(): void {
    for (const c of this.clients) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      if (c.statusSeq !== this.statusSeq) {
        c.statusSeq = this.statusSeq;
        this.sendText(c, encodeServerMessage(this.status));
      }
      if (c.episodeCursor < this.episodes.start) c.episodeCursor = this.episodes.start;
      while (c.episodeCursor < this.episodes.end && c.ws.bufferedAmount < this.maxBuffered) {
        this.sendText(c, this.episodes.at(c.episodeCursor++) ?? '');
      }
      if (c.metricsCursor < this.metrics.start) c.metricsCursor = this.metrics.start;
      while (c.metricsCursor < this.metrics.end && c.ws.bufferedAmount < this.maxBuffered) {
        this.sendText(c, this.metrics.at(c.metricsCursor++) ?? '');
      }
      if (c.ws.bufferedAmount >= this.maxBuffered) continue;
      if (this.step !== null && c.stepSeq !== this.stepSeq) {
        c.stepSeq = this.stepSeq;
        this.sendText(c, this.step);
      }
      if (this.qvalues !== null && c.qSeq !== this.qSeq) {
        c.qSeq = this.qSeq;
        this.sendText(c, this.qvalues);
      }
      if (this.frame !== null && c.frameSeq !== this.frameSeq && !this.status.paused) {
        c.frameSeq = this.frameSeq;
        c.ws.send(this.frame, { binary: true });
      }
    }
  }

  /** Closes every connection and the HTTP server. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    this.controlSubject.complete();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private sendText(c: Client, text: string): void {
    if (text !== '') c.ws.send(text);
  }

  private warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log(`viewer: ${line} (logged once)`);
  }

  private loadStatic(dir: string): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      this.warnOnce('static', `page not built: ${dir} is missing; run \`npm run build\``);
      return;
    }
    // A fixed table of files read once: no path from a request ever reaches the filesystem.
    for (const name of names) {
      const type = CONTENT_TYPES[extname(name)];
      const path = join(dir, name);
      if (type === undefined || !statSync(path).isFile()) continue;
      this.files.set(`/${name}`, { body: readFileSync(path), type });
    }
  }

  /** Whether the `Host` header names this server (on a loopback bind, a loopback name). */
  private hostAllowed(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined) return false;
    if (!this.loopbackOnly) return true;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.toLowerCase());
    return m !== null && LOOPBACK_HOSTS.has(m[1] ?? '') && Number(m[2] ?? 80) === this.port;
  }

  private serveHttp(req: IncomingMessage, res: ServerResponse): void {
    if (!this.hostAllowed(req.headers.host)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const file = this.files.get(path === '/' ? '/index.html' : path);
    if (file === undefined) {
      const missing = this.files.size === 0 ? 'viewer page not built: run `npm run build`\n' : 'not found\n';
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(missing);
      return;
    }
    res.writeHead(200, {
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const reject = (code: number, why: string): void => {
      this.warnOnce(`reject-${code}`, `rejected a websocket connection: ${why}`);
      socket.end(
        `HTTP/1.1 ${code} ${code === 403 ? 'Forbidden' : 'Not Found'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
    };
    if ((req.url ?? '').split('?')[0] !== WS_PATH) return reject(404, `unknown path ${req.url ?? ''}`);
    const host = req.headers.host;
    if (!this.hostAllowed(host)) return reject(403, `Host header ${host ?? '(none)'} is not this server`);
    const origin = req.headers.origin;
    if (origin === undefined) {
      // Browsers always send an Origin, so a missing one is a program (a script, a test). On a
      // loopback bind only local programs reach us, and they could read the run files anyway; on
      // a network bind a client must show that it comes from this server's own page.
      if (!this.loopbackOnly) return reject(403, 'no Origin header (required when the viewer listens beyond loopback)');
    } else {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return reject(403, `malformed Origin ${origin}`);
      }
      // The page is served over plain http: an https origin is another site, whatever its host.
      if (url.protocol !== 'http:' || url.host.toLowerCase() !== (host ?? '').toLowerCase())
        return reject(403, `Origin ${origin} is not http://${host ?? ''}`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    const client: Client = {
      ws,
      frameSeq: 0,
      stepSeq: 0,
      qSeq: 0,
      statusSeq: 0,
      // Late joiners get the history, so curves are complete after a reconnect.
      episodeCursor: this.episodes.start,
      metricsCursor: this.metrics.start,
      alive: true,
    };
    this.clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('error', (err) => this.warnOnce(`ws-error-${err.message}`, `websocket error: ${err.message}`));
    ws.on('close', () => this.clients.delete(client));
    ws.send(encodeServerMessage(this.hello));
    this.flush();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const text = isBinary
      ? null
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
    const msg = text === null ? null : decodeClientMessage(text);
    if (msg === null) {
      this.warnOnce(
        'malformed',
        `ignoring a malformed or unknown client message: ${(text ?? '<binary>').slice(0, 80)}`,
      );
      return;
    }
    switch (msg.type) {
      case 'pause':
      case 'resume':
        this.setStatus({ paused: msg.type === 'pause' });
        break;
      case 'speed':
        this.setStatus({ speed: msg.value });
        break;
      case 'set-epsilon':
        if (this.status.epsilon === null) return;
        this.setStatus({ epsilon: msg.value });
        break;
      case 'action': {
        const n = this.hello.actionSpace.n;
        if (this.hello.mode !== 'play' || n === undefined || msg.action >= n) {
          this.warnOnce('action', `ignoring action ${msg.action}: not in play mode or out of range`);
          return;
        }
        break;
      }
    }
    this.controlSubject.next(msg);
    this.flush();
  }

  private heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate();
        this.clients.delete(c);
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}

/** Message types a page can receive, re-exported for hosts that build them. */
export type { ServerMessage };
