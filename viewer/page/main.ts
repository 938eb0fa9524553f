/**
 * The viewer page: connects to the server's websocket, draws frames on a canvas with
 * nearest-neighbour scaling, plots returns, loss and epsilon with uPlot, shows Q-value bars (and, for
 * a distributional agent, the chosen action's return distribution as a bar chart over the atoms) and
 * counters, sends control messages, and in `play` mode turns the keyboard into actions.
 *
 * Bundled by esbuild (`scripts/build-viewer.mjs`) into `dist/viewer/app.js`; no network needed.
 */
import uPlot from 'uplot';
import {
  WS_PATH,
  PROTOCOL_VERSION,
  type ActionDistribution,
  decodeFrame,
  decodeServerMessage,
  encodeClientMessage,
  type ClientMessage,
  type FrameMessage,
  type HelloMessage,
  type ServerMessage,
} from '../../src/viewer/protocol.js';
import { actionForHeld, keyMapFor, type KeyMap } from '../../src/viewer/keys.js';

/** State the page exposes as `window.__tfgym` so end-to-end tests can read it back. */
interface PageState {
  connected: boolean;
  hello: HelloMessage | null;
  frames: number;
  lastFrame: { step: number; height: number; width: number; channels: number } | null;
  lastStep: Extract<ServerMessage, { type: 'step' }> | null;
  episodes: number;
  wins: number;
  returnPoints: number;
  paused: boolean;
  /** The distribution chart drawn last: its action, atom count and marked mean; null while hidden. */
  distribution: { action: number; atoms: number; mean: number } | null;
}

const state: PageState = {
  connected: false,
  hello: null,
  frames: 0,
  lastFrame: null,
  lastStep: null,
  episodes: 0,
  wins: 0,
  returnPoints: 0,
  paused: false,
  distribution: null,
};
(window as unknown as { __tfgym: PageState }).__tfgym = state;

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`#${id} missing`);
  return e as T;
}

const screen = el<HTMLCanvasElement>('screen');
const screenCtx = screen.getContext('2d');
const offscreen = document.createElement('canvas');
const offCtx = offscreen.getContext('2d');
const SCREEN_BOX = 480;

// --- frames: keep only the newest; draw it on the next animation frame -------------------------
let pendingFrame: FrameMessage | null = null;
let imageData: ImageData | null = null;

function drawFrame(): void {
  const f = pendingFrame;
  pendingFrame = null;
  if (f === null || screenCtx === null || offCtx === null) return;
  if (imageData === null || imageData.width !== f.width || imageData.height !== f.height) {
    offscreen.width = f.width;
    offscreen.height = f.height;
    imageData = offCtx.createImageData(f.width, f.height);
    // Integer scale where the frame fits (MinAtar's 10x10 becomes 480x480), exact pixels otherwise.
    const fit = Math.min(SCREEN_BOX / f.width, SCREEN_BOX / f.height);
    const scale = fit >= 1 ? Math.floor(fit) : fit;
    screen.width = Math.round(f.width * scale);
    screen.height = Math.round(f.height * scale);
  }
  const out = imageData.data;
  const px = f.pixels;
  const n = f.width * f.height;
  if (f.channels === 3) {
    for (let i = 0, j = 0, k = 0; i < n; i++, j += 3, k += 4) {
      out[k] = px[j] ?? 0;
      out[k + 1] = px[j + 1] ?? 0;
      out[k + 2] = px[j + 2] ?? 0;
      out[k + 3] = 255;
    }
  } else if (f.channels === 1) {
    for (let i = 0, k = 0; i < n; i++, k += 4) {
      const v = px[i] ?? 0;
      out[k] = v;
      out[k + 1] = v;
      out[k + 2] = v;
      out[k + 3] = 255;
    }
  } else {
    out.set(px.subarray(0, n * 4));
  }
  offCtx.putImageData(imageData, 0, 0);
  screenCtx.imageSmoothingEnabled = false;
  screenCtx.drawImage(offscreen, 0, 0, screen.width, screen.height);
}

// --- charts ----------------------------------------------------------------------------------
const MA_WINDOW = 100;
const MAX_POINTS = 5000;
const returnData: [number[], (number | null)[], (number | null)[]] = [[], [], []];
const lossData: [number[], (number | null)[]] = [[], []];
const epsData: [number[], (number | null)[]] = [[], []];
let maSum = 0;
const maWindow: number[] = [];

// Whole-number tick steps for the x axes (episodes and steps are counts).
const INT_INCRS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8,
];

function chartOpts(container: HTMLElement, series: uPlot.Series[], xLabel: string): uPlot.Options {
  const axis: uPlot.Axis = { stroke: '#8a94a3', grid: { stroke: '#252b34' }, ticks: { stroke: '#252b34' } };
  return {
    width: Math.max(300, container.clientWidth),
    height: 150,
    scales: { x: { time: false } },
    axes: [{ ...axis, label: xLabel, labelSize: 18, incrs: INT_INCRS }, { ...axis }],
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    series: [{ label: xLabel }, ...series],
  };
}

function makeChart(id: string, series: uPlot.Series[], xLabel: string, data: uPlot.AlignedData): uPlot {
  const box = el(id);
  return new uPlot(chartOpts(box, series, xLabel), data, box);
}

const returnChart = makeChart(
  'chart-return',
  [
    // Dots only (no connecting line): single returns are noisy, the average carries the trend.
    {
      label: 'return',
      stroke: 'rgba(79,179,255,0.7)',
      paths: () => null,
      points: { show: true, size: 5, width: 1, fill: 'rgba(79,179,255,0.35)' },
    },
    { label: `MA${MA_WINDOW}`, stroke: '#4fb3ff', width: 2, points: { show: false } },
  ],
  'episode',
  returnData,
);
const lossChart = makeChart(
  'chart-loss',
  [{ label: 'loss', stroke: '#ff9f43', width: 1.5, points: { show: false } }],
  'step',
  lossData,
);
const epsChart = makeChart(
  'chart-eps',
  [{ label: 'epsilon', stroke: '#4cd07d', width: 1.5, points: { show: false } }],
  'step',
  epsData,
);

let chartsDirty = false;
function pushCapped<T>(arr: T[], v: T): void {
  arr.push(v);
  if (arr.length > MAX_POINTS) arr.shift();
}

function resetCharts(): void {
  for (const a of [...returnData, ...lossData, ...epsData]) a.length = 0;
  maWindow.length = 0;
  maSum = 0;
  chartsDirty = true;
}

window.addEventListener('resize', () => {
  for (const [c, id] of [
    [returnChart, 'chart-return'],
    [lossChart, 'chart-loss'],
    [epsChart, 'chart-eps'],
  ] as const) {
    c.setSize({ width: Math.max(300, el(id).clientWidth), height: 150 });
  }
  distDirty = true;
});

// --- counters, Q-values, status ----------------------------------------------------------------
let spsRef: { t: number; step: number } | null = null;
let serverSps: number | null = null;

function setText(id: string, text: string): void {
  const e = el(id);
  if (e.textContent !== text) e.textContent = text;
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function renderQ(values: readonly number[], chosen: number): void {
  const box = el('qbars');
  const names = state.hello?.actionNames ?? [];
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const span = hi - lo || 1;
  if (box.children.length !== values.length || box.querySelector('.qrow') === null) {
    box.replaceChildren(
      ...values.map((_, i) => {
        const row = document.createElement('div');
        row.className = 'qrow';
        row.innerHTML =
          '<span class="qname"></span><div class="qtrack"><div class="qfill"></div></div><span class="qval"></span>';
        (row.querySelector('.qname') as HTMLElement).textContent = names[i] ?? String(i);
        return row;
      }),
    );
  }
  values.forEach((v, i) => {
    const row = box.children[i] as HTMLElement;
    row.classList.toggle('chosen', i === chosen);
    const fill = row.querySelector('.qfill') as HTMLElement;
    // Bars grow from the zero line, so negative Q-values point left.
    const zero = ((0 - lo) / span) * 100;
    const x = ((v - lo) / span) * 100;
    fill.style.left = `${Math.min(zero, x)}%`;
    fill.style.width = `${Math.abs(x - zero)}%`;
    (row.querySelector('.qval') as HTMLElement).textContent = v.toFixed(3);
  });
}

// --- return distribution (C51): bars over the atoms vMin..vMax, the mean marked ---------------
const distCanvas = el<HTMLCanvasElement>('dist');
const distCtx = distCanvas.getContext('2d');
/** The newest distribution, drawn on the next animation frame (and again on resize). */
let shownDist: { d: ActionDistribution; mean: number; action: number } | null = null;
let distDirty = false;

function showDistribution(d: ActionDistribution | undefined, values: readonly number[], action: number): void {
  if (d === undefined) {
    // Only distributional agents send one: the panel stays hidden for the others.
    const panel = distCanvas.parentElement;
    if (panel !== null) panel.hidden = true;
    shownDist = null;
    state.distribution = null;
    return;
  }
  reveal('dist');
  // The message's Q-value is the exact mean; the rounded probabilities give it to about 1e-5.
  const n = d.probs.length;
  const dz = (d.vMax - d.vMin) / (n - 1);
  const mean = values[action] ?? d.probs.reduce((m, p, i) => m + p * (d.vMin + i * dz), 0);
  shownDist = { d, mean, action };
  state.distribution = { action, atoms: n, mean };
  setText('dist-label', `(${state.hello?.actionNames[action] ?? String(action)}, mean ${fmt(mean)})`);
  distDirty = true;
}

function drawDistribution(): void {
  distDirty = false;
  const s = shownDist;
  if (s === null || distCtx === null) return;
  const dpr = window.devicePixelRatio || 1;
  const cssW = Math.max(200, distCanvas.clientWidth);
  const cssH = 150;
  if (distCanvas.width !== Math.round(cssW * dpr) || distCanvas.height !== Math.round(cssH * dpr)) {
    distCanvas.width = Math.round(cssW * dpr);
    distCanvas.height = Math.round(cssH * dpr);
  }
  const g = distCtx;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, cssH);
  const { d, mean } = s;
  const n = d.probs.length;
  const left = 8;
  const right = 8;
  const top = 16;
  const bottom = 20;
  const w = cssW - left - right;
  const h = cssH - top - bottom;
  const barW = w / n;
  // Atom i sits at the centre of bar i; a value v at the same scale between the first and last centres.
  const xOf = (v: number): number => left + (((v - d.vMin) / (d.vMax - d.vMin)) * (n - 1) + 0.5) * barW;
  const peak = Math.max(...d.probs) || 1;
  g.fillStyle = '#4fb3ff';
  d.probs.forEach((p, i) => {
    const bh = (p / peak) * h;
    g.fillRect(left + i * barW + (barW > 3 ? 0.5 : 0), top + h - bh, Math.max(1, barW - (barW > 3 ? 1 : 0)), bh);
  });
  // The axis, with vMin, vMax and 0 (when inside) labelled.
  g.strokeStyle = '#323a46';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(left, top + h + 0.5);
  g.lineTo(left + w, top + h + 0.5);
  g.stroke();
  g.fillStyle = '#8a94a3';
  g.font = '11px system-ui, sans-serif';
  g.textBaseline = 'top';
  const ticks: [number, CanvasTextAlign][] = [
    [d.vMin, 'left'],
    [d.vMax, 'right'],
  ];
  if (d.vMin < 0 && d.vMax > 0) ticks.push([0, 'center']);
  for (const [v, align] of ticks) {
    g.textAlign = align;
    g.fillText(fmt(v), align === 'left' ? left : align === 'right' ? left + w : xOf(v), top + h + 4);
  }
  // The mean: a vertical line over the bars.
  const mx = Math.min(left + w, Math.max(left, xOf(mean)));
  g.strokeStyle = '#ff9f43';
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(mx, top - 2);
  g.lineTo(mx, top + h);
  g.stroke();
  g.fillStyle = '#ff9f43';
  g.textBaseline = 'bottom';
  g.textAlign = mx < left + w / 2 ? 'left' : 'right';
  g.fillText(`mean ${fmt(mean)}`, mx + (g.textAlign === 'left' ? 4 : -4), top + 2);
}

/** Shows the panel holding `id`: Q-values, loss and epsilon stay hidden until their first data. */
function reveal(id: string): void {
  const panel = el(id).parentElement;
  if (panel !== null && panel.hidden) {
    panel.hidden = false;
    window.dispatchEvent(new Event('resize'));
  }
}

function hidePanels(): void {
  for (const id of ['qbars', 'dist', 'chart-loss', 'chart-eps']) {
    const panel = el(id).parentElement;
    if (panel !== null) panel.hidden = true;
  }
  shownDist = null;
  state.distribution = null;
}

function setConn(kind: 'on' | 'off' | 'wait', text: string): void {
  const c = el('conn');
  c.className = `conn conn-${kind}`;
  c.innerHTML = '<i></i><b></b>';
  (c.querySelector('b') as HTMLElement).textContent = text;
}

// --- controls ----------------------------------------------------------------------------------
let socket: WebSocket | null = null;

function send(msg: ClientMessage): void {
  if (socket !== null && socket.readyState === WebSocket.OPEN) socket.send(encodeClientMessage(msg));
}

const pauseBtn = el<HTMLButtonElement>('pause');
pauseBtn.addEventListener('click', () => send({ type: state.paused ? 'resume' : 'pause' }));
const speedSel = el<HTMLSelectElement>('speed');
speedSel.addEventListener('change', () => send({ type: 'speed', value: Number(speedSel.value) }));
const epsInput = el<HTMLInputElement>('eps');
epsInput.addEventListener('input', () => {
  setText('eps-out', Number(epsInput.value).toFixed(2));
  send({ type: 'set-epsilon', value: Number(epsInput.value) });
});

// --- keyboard play -----------------------------------------------------------------------------
let keyMap: KeyMap | null = null;
const held: string[] = [];
let lastSent: number | null = null;

function updateAction(): void {
  if (keyMap === null) return;
  const a = actionForHeld(keyMap, held);
  if (a !== null && a !== lastSent) {
    lastSent = a;
    send({ type: 'action', action: a });
  }
}

window.addEventListener('keydown', (e) => {
  if (keyMap === null || keyMap.keys[e.key as keyof KeyMap['keys']] === undefined) return;
  e.preventDefault(); // arrows and space would scroll the page
  if (!held.includes(e.key)) held.push(e.key);
  updateAction();
});
window.addEventListener('keyup', (e) => {
  const i = held.indexOf(e.key);
  if (i < 0) return;
  held.splice(i, 1);
  updateAction();
});
window.addEventListener('blur', () => {
  held.length = 0;
  updateAction();
});

function showKeys(hello: HelloMessage): void {
  const box = el('keys');
  if (hello.mode !== 'play') {
    keyMap = null;
    box.hidden = true;
    return;
  }
  keyMap = keyMapFor(hello.actionNames);
  const label: Record<string, string> = { ArrowLeft: '←', ArrowRight: '→', ArrowUp: '↑', ArrowDown: '↓', ' ': 'space' };
  const parts = Object.entries(keyMap.keys).map(([k, a]) => `<kbd>${label[k] ?? k}</kbd> ${hello.actionNames[a] ?? a}`);
  box.innerHTML = `keys: ${parts.join(' &nbsp; ')}`;
  box.hidden = false;
}

// --- messages ----------------------------------------------------------------------------------
function onHello(h: HelloMessage): void {
  if (h.version !== PROTOCOL_VERSION) {
    setConn('off', `protocol v${h.version}, page v${PROTOCOL_VERSION}: reload`);
  }
  state.hello = h;
  state.frames = 0;
  state.episodes = 0;
  state.wins = 0;
  state.returnPoints = 0;
  lastSent = null;
  spsRef = null;
  serverSps = null;
  resetCharts();
  setText('env', h.envId);
  setText('mode', h.mode);
  document.title = `tfgym · ${h.envId}`;
  el('c-wins-box').hidden = !/(^|\/)Catch-v\d+$/.test(h.envId);
  // Training runs flat out; speed only paces play and watch.
  el('speed-box').hidden = h.mode === 'train';
  pauseBtn.title = h.mode === 'train' ? 'freezes the view; training goes on' : 'pauses the game';
  el('qbars').innerHTML = '<p class="muted">none yet</p>';
  hidePanels();
  showKeys(h);
}

function onMessage(m: ServerMessage): void {
  switch (m.type) {
    case 'hello':
      onHello(m);
      break;
    case 'status':
      state.paused = m.paused;
      pauseBtn.textContent = m.paused ? 'Resume' : 'Pause';
      speedSel.value = String(m.speed);
      el('eps-box').hidden = m.epsilon === null;
      if (m.epsilon !== null && document.activeElement !== epsInput) {
        epsInput.value = String(m.epsilon);
        setText('eps-out', m.epsilon.toFixed(2));
      }
      break;
    case 'episode': {
      state.episodes++;
      if (m.won === true) state.wins++;
      maWindow.push(m.return);
      maSum += m.return;
      if (maWindow.length > MA_WINDOW) maSum -= maWindow.shift() ?? 0;
      pushCapped(returnData[0], m.index + 1);
      pushCapped(returnData[1], m.return);
      pushCapped(returnData[2], maSum / maWindow.length);
      state.returnPoints = returnData[0].length;
      chartsDirty = true;
      setText('c-episodes', String(state.episodes));
      setText('c-wins', `${state.wins} (${((100 * state.wins) / state.episodes).toFixed(0)}%)`);
      setText('c-return', fmt(m.return));
      break;
    }
    case 'metrics': {
      const { loss, epsilon, sps } = m.values;
      if (loss !== undefined) {
        reveal('chart-loss');
        pushCapped(lossData[0], m.step);
        pushCapped(lossData[1], loss);
        chartsDirty = true;
      }
      if (epsilon !== undefined) {
        reveal('chart-eps');
        pushCapped(epsData[0], m.step);
        pushCapped(epsData[1], epsilon);
        chartsDirty = true;
      }
      if (sps !== undefined) serverSps = sps;
      setText('c-steps', String(m.step));
      break;
    }
    case 'qvalues':
      reveal('qbars');
      renderQ(m.values, m.action);
      showDistribution(m.distribution, m.values, m.action);
      break;
    case 'step': {
      state.lastStep = m;
      setText('c-steps', String(m.step));
      const now = performance.now();
      if (spsRef === null || now - spsRef.t > 2000) spsRef = { t: now, step: m.step };
      const dt = (now - spsRef.t) / 1000;
      if (serverSps === null && dt > 0.5) setText('c-sps', ((m.step - spsRef.step) / dt).toFixed(0));
      const info = Object.entries(m.info)
        .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : String(v)}`)
        .join(' · ');
      setText('score', `score ${fmt(m.episodeReturn)} · step ${m.episodeStep}${info ? ` · ${info}` : ''}`);
      break;
    }
  }
  if (serverSps !== null) setText('c-sps', serverSps.toFixed(0));
}

// --- connection with automatic reconnect ----------------------------------------------------
let retryMs = 500;

function connect(): void {
  setConn('wait', 'connecting…');
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH}`);
  ws.binaryType = 'arraybuffer';
  socket = ws;
  ws.onopen = () => {
    state.connected = true;
    retryMs = 500;
    setConn('on', 'live');
  };
  ws.onmessage = (ev: MessageEvent<unknown>) => {
    if (ev.data instanceof ArrayBuffer) {
      const f = decodeFrame(new Uint8Array(ev.data));
      if (f === null) return;
      state.frames++;
      state.lastFrame = { step: f.step, height: f.height, width: f.width, channels: f.channels };
      pendingFrame = f;
      return;
    }
    if (typeof ev.data !== 'string') return;
    const m = decodeServerMessage(ev.data);
    if (m !== null) onMessage(m);
  };
  ws.onclose = () => {
    state.connected = false;
    if (socket === ws) socket = null;
    setConn('off', `offline, retrying in ${(retryMs / 1000).toFixed(1)} s`);
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
  };
}

// One animation loop draws the newest frame and redraws charts at most 5 times a second.
let lastChartAt = 0;
function animate(t: number): void {
  drawFrame();
  if (distDirty) drawDistribution();
  if (chartsDirty && t - lastChartAt > 200) {
    chartsDirty = false;
    lastChartAt = t;
    returnChart.setData(returnData);
    lossChart.setData(lossData);
    epsChart.setData(epsData);
  }
  requestAnimationFrame(animate);
}

connect();
requestAnimationFrame(animate);
