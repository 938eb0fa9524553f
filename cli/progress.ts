/**
 * Training progress on the terminal, driven by the trainer's event stream: a one-line bar
 * redrawn in place on a TTY (at most 5 times a second), plain lines every few seconds otherwise
 * (logs, CI, pipes).
 */
import type { Subject } from 'rxjs';
import type { TrainEvent } from '../agents/trainer.js';

/** Where and how to draw. */
export interface ProgressOptions {
  readonly out: NodeJS.WriteStream;
  readonly tty: boolean;
  readonly totalSteps?: number;
  readonly totalEpisodes?: number;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  /** Seconds between plain lines (default 10). */
  readonly lineEvery?: number;
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '-';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(digits);
}

/** Subscribes a progress display to `events`; returns a function that finishes the line. */
export function attachProgress(events: Subject<TrainEvent>, o: ProgressOptions): () => void {
  let step = 0;
  let episode = 0;
  let ret100 = NaN;
  let eps = NaN;
  let loss = NaN;
  let sps = NaN;
  let lastDraw = 0;
  let lastLine = o.clock();
  let drawn = false;
  const lineEvery = (o.lineEvery ?? 10) * 1000;

  const status = (): string => {
    const parts = [
      o.totalSteps !== undefined ? `${fmt(step)}/${fmt(o.totalSteps)} steps` : `${fmt(step)} steps`,
      o.totalEpisodes !== undefined ? `ep ${episode}/${o.totalEpisodes}` : `ep ${episode}`,
      `${fmt(sps)} sps`,
      `ret100 ${fmt(ret100)}`,
      `eps ${fmt(eps)}`,
      `loss ${fmt(loss)}`,
    ];
    return parts.join(' | ');
  };
  const fraction = (): number => {
    const fs = o.totalSteps !== undefined ? step / o.totalSteps : 0;
    const fe = o.totalEpisodes !== undefined ? episode / o.totalEpisodes : 0;
    return Math.min(1, Math.max(fs, fe));
  };
  const draw = (force: boolean): void => {
    const now = o.clock();
    if (o.tty) {
      if (!force && now - lastDraw < 200) return;
      lastDraw = now;
      const width = 24;
      const f = fraction();
      const filled = Math.round(f * width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}%`;
      o.out.write(`\r\x1b[K${bar} ${status()}`);
      drawn = true;
    } else if (force || now - lastLine >= lineEvery) {
      lastLine = now;
      o.out.write(`${status()}\n`);
    }
  };
  const println = (line: string): void => {
    if (o.tty && drawn) o.out.write('\r\x1b[K');
    o.out.write(`${line}\n`);
    if (o.tty) draw(true);
  };

  const sub = events.subscribe((e) => {
    switch (e.type) {
      case 'episode':
        step = e.step;
        episode = e.episode;
        ret100 = e.meanReturn100;
        eps = e.epsilon;
        draw(false);
        break;
      case 'update':
        step = e.step;
        loss = e.loss;
        sps = e.sps;
        draw(false);
        break;
      case 'eval': {
        const wins = e.result.wins !== null ? `, won ${e.result.wins} of ${e.result.episodes}` : '';
        println(
          `eval at step ${e.step} (episode ${e.episode}): mean return ${fmt(e.result.meanReturn)} ± ${fmt(e.result.stdReturn)}${wins}${e.best ? ' (best so far)' : ''}`,
        );
        break;
      }
      case 'start':
      case 'end':
        step = e.step;
        episode = e.episode;
        break;
      default:
        break;
    }
  });
  return () => {
    sub.unsubscribe();
    if (o.tty && drawn) {
      draw(true);
      o.out.write('\n');
    } else if (!o.tty) {
      draw(true);
    }
  };
}
