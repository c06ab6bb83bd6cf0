/**
 * "A call survives": the pause a caller hears when the gateway's backend connection drops while
 * the agent is talking. The real gateway (src/main.ts) and the Realtime emulator run as child
 * processes; between them a TCP relay in this process cuts the gateway's backend connection a
 * moment into the agent's greeting. Per run it times, from the drop: the device's
 * `backend.reconnecting`, the new backend connection and each step of the restore (read off the
 * relay), `backend.restored`, and the first agent audio the device receives afterwards.
 *
 * Run: npx tsx bench/reconnect.ts
 *   BENCH_RUNS (7)            drops measured, one fresh call each
 *   BENCH_DROP_AFTER_MS (1000) how long into the agent's audio the connection is cut
 *   BENCH_DROP (reset)        reset: TCP RST; fin: FIN without a close frame; blackhole: silence
 *   BENCH_MIC (1)             the device streams microphone silence in real time, as a kiosk does
 *   BENCH_WAIT_MS (10000)     longest wait for audio after a drop
 *   BENCH_TRACE=1             also list every event of each restore as the relay saw it (BENCH_TRACE_HEAD=1: with
 *                             the first bytes of what the gateway sent)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DEFAULT_LINK_POLICY } from '../src/session/backend-link.ts';
import { DEFAULT_TIMING } from '../src/emulator/options.ts';
import { fmt, loadavg, median, sleep, spawnTs } from './lib/child.ts';
import { TcpRelay, type CutMode, type RelayFrame } from './lib/tcp-relay.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const DROP_AFTER_MS = Number(process.env.BENCH_DROP_AFTER_MS ?? 1000);
const DROP = (process.env.BENCH_DROP ?? 'reset') as CutMode;
const MIC = process.env.BENCH_MIC !== '0';
const WAIT_MS = Number(process.env.BENCH_WAIT_MS ?? 10_000);
const BYTES_PER_MS = 48;
const FRAME_MS = 20;

/** A greeting that lasts far longer than the drop point, and a second line for after the restore. */
const SCRIPT = {
  name: 'reconnect bench',
  turns: [
    { responses: [[{ say: [
      'Good morning, and welcome to the front desk of the hotel.',
      'I will read you a few notes about your stay before we begin.',
      'Breakfast is served from seven until ten in the main hall.',
      'The pool on the ground floor opens at six and closes at ten.',
      'Checkout is at eleven, and late checkout can be arranged here.',
      'Please let me know if there is anything else I can do for you.',
    ].join(' ') }]] },
    { responses: [[{ say: 'Sorry, the line dropped for a moment. As I was saying, breakfast is served from seven until ten in the main hall.' }]] },
  ],
};

/** Milliseconds after the drop (performance clock) of each step; undefined when not seen. */
interface Run {
  /** Audio the device had received but not yet played when the line dropped. */
  bufferedMs: number;
  reconnecting?: number;
  tcp?: number;
  created?: number;
  update?: number;
  updated?: number;
  /** The last `session.updated` before `response.created`: the backend has every update applied. */
  lastUpdated?: number;
  /** `session.update` events the gateway sent on the new connection. */
  updates: number;
  responseCreate?: number;
  responseCreated?: number;
  delta?: number;
  restored?: number;
  audio?: number;
  /** Silence the caller hears: from the end of the audio already received to the next audio. */
  audible?: number;
  /** Backend connections opened after the drop (attempts). */
  attempts: number;
  /** Audio frames that reached the device after the drop but before `backend.reconnecting`. */
  tailFrames: number;
  restoreEvents: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vg-reconnect-'));
  const scriptPath = join(dir, 'script.json');
  writeFileSync(scriptPath, JSON.stringify(SCRIPT));
  const load = [loadavg()];
  const emulator = await spawnTs('src/emulator/cli.ts', ['--port', '0', '--script', scriptPath, '--log-level', 'warn'], {
    pattern: /listening: (ws:\/\/[^\s?]+)/,
  });
  const target = new URL(emulator.match);
  const relay = new TcpRelay(target.hostname, Number(target.port));
  const relayPort = await relay.listen();
  const gateway = await spawnTs('src/main.ts', [], {
    pattern: /open (http:\/\/[^\s/]+)\//,
    env: {
      PORT: '0', REALTIME_URL: `ws://127.0.0.1:${relayPort}${target.pathname}`, LOG_LEVEL: 'warn', OPENAI_API_KEY: '',
      SESSIONS_PER_MINUTE: '1000', DRAIN_TIMEOUT_S: '0',
    },
  });
  const wsUrl = `${gateway.match.replace('http', 'ws')}/v1/ws`;
  const runs: Run[] = [];
  try {
    // One call that is not measured: the emulator's speech synthesizer and the gateway's code warm up.
    await measure(relay, wsUrl, false);
    for (let i = 0; i < RUNS; i++) {
      const run = await measure(relay, wsUrl, true);
      runs.push(run);
      printRun(i + 1, run);
      if (i === Math.floor(RUNS / 2)) load.push(loadavg());
    }
  } finally {
    await gateway.stop();
    await emulator.stop();
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
  load.push(loadavg());
  printSummary(runs, load);
}

/** One call: waits for the greeting's audio, cuts the backend connection DROP_AFTER_MS into it, times the recovery. */
async function measure(relay: TcpRelay, wsUrl: string, drop: boolean): Promise<Run> {
  const upgraded = new Set<number>();
  const frames: RelayFrame[] = [];
  const openedAt = new Map<number, number>();
  relay.onUpgrade = (id) => upgraded.add(id);
  relay.onConnection = (id, at) => openedAt.set(id, at);
  relay.onFrame = (frame) => frames.push(frame);
  const device = new WebSocket(wsUrl);
  let playEnd = 0;
  let firstAudioAt: number | undefined;
  let dropAt: number | undefined;
  let reconnectingAt: number | undefined;
  let restoredAt: number | undefined;
  let audioAt: number | undefined;
  let audible: number | undefined;
  let tailFrames = 0;
  let mic: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    device.once('error', reject);
    device.on('message', (data, isBinary) => {
      const now = performance.now();
      if (isBinary) {
        const ms = (data as Buffer).length / BYTES_PER_MS;
        firstAudioAt ??= now;
        if (dropAt !== undefined && reconnectingAt === undefined) tailFrames++;
        if (reconnectingAt !== undefined && audioAt === undefined) {
          audioAt = now;
          audible = Math.max(0, now - Math.max(playEnd, dropAt!));
        }
        // The device plays what it receives in order, in real time, from when it arrives.
        playEnd = Math.max(playEnd, now) + ms;
        return;
      }
      const event = JSON.parse(String(data)) as { type: string };
      if (event.type === 'session.ready') resolve();
      else if (event.type === 'backend.reconnecting') reconnectingAt ??= now;
      else if (event.type === 'backend.restored') restoredAt ??= now;
    });
  });
  await ready;
  if (MIC) {
    const silence = Buffer.alloc(FRAME_MS * BYTES_PER_MS);
    const start = performance.now();
    let n = 0;
    const tick = () => {
      if (device.readyState !== WebSocket.OPEN) return;
      device.send(silence);
      n++;
      mic = setTimeout(tick, Math.max(0, start + n * FRAME_MS - performance.now()));
    };
    tick();
  }
  const deadline = performance.now() + 15_000;
  while (firstAudioAt === undefined && performance.now() < deadline) await sleep(5);
  if (firstAudioAt === undefined) throw new Error('the greeting never reached the device');
  await sleep(Math.max(0, firstAudioAt + DROP_AFTER_MS - performance.now()));
  let bufferedMs = NaN;
  if (drop) {
    const backend = relay.open.filter((id) => upgraded.has(id));
    bufferedMs = Math.max(0, playEnd - performance.now());
    dropAt = relay.cut(DROP, backend);
    const until = dropAt + WAIT_MS;
    while (audioAt === undefined && performance.now() < until) await sleep(5);
    await sleep(50);
  }
  clearTimeout(mic);
  device.close();
  await new Promise<void>((resolve) => device.once('close', () => resolve()));
  if (DROP === 'blackhole') relay.cut('reset', relay.open);
  // The call's backend connection closes with it: wait, so the next run starts alone.
  const settle = performance.now() + 3000;
  while (relay.open.some((id) => upgraded.has(id)) && performance.now() < settle) await sleep(10);
  relay.onFrame = undefined;
  if (dropAt === undefined) return { bufferedMs, attempts: 0, tailFrames: 0, restoreEvents: 0, updates: 0 };
  const t0 = dropAt;
  if (process.env.BENCH_TRACE === '1') {
    // Every event of the restore, in order, as the relay saw it (audio appends and deltas counted, not listed).
    let appends = 0;
    let deltas = 0;
    for (const f of frames.filter((f) => f.at >= t0)) {
      if (f.type === 'input_audio_buffer.append') { appends++; continue; }
      if (f.type === 'response.output_audio.delta') { if (deltas++ > 0) continue; }
      console.log(`    trace ${fmt(f.at - t0).padStart(6)} ms  conn ${f.conn} ${f.dir === 'up' ? 'gateway → backend' : 'backend → gateway'}  ${f.type ?? `opcode ${f.opcode}`}  (${f.bytes} B)${appends ? `  [after ${appends} appends]` : ''}`);
      if (process.env.BENCH_TRACE_HEAD === '1' && f.dir === 'up') console.log(`          ${f.head}`);
    }
  }
  const after = frames.filter((f) => f.at >= t0);
  const first = (dir: 'up' | 'down', type: string) => rel(after.find((f) => f.dir === dir && f.type === type)?.at, t0);
  // Backend connections opened after the drop (the gateway's TCP reachability probes never upgrade).
  const newConns = [...upgraded].map((id) => openedAt.get(id)!).filter((at) => at >= t0).sort((a, b) => a - b);
  const responseCreatedAt = after.find((f) => f.dir === 'down' && f.type === 'response.created')?.at;
  return {
    bufferedMs,
    reconnecting: rel(reconnectingAt, t0),
    tcp: rel(newConns[0], t0),
    created: first('down', 'session.created'),
    update: first('up', 'session.update'),
    updated: first('down', 'session.updated'),
    lastUpdated: rel(after.filter((f) => f.dir === 'down' && f.type === 'session.updated' && f.at <= (responseCreatedAt ?? Infinity)).at(-1)?.at, t0),
    updates: after.filter((f) => f.dir === 'up' && f.type === 'session.update').length,
    responseCreate: first('up', 'response.create'),
    responseCreated: first('down', 'response.created'),
    delta: first('down', 'response.output_audio.delta'),
    restored: rel(restoredAt, t0),
    audio: rel(audioAt, t0),
    audible,
    attempts: newConns.length,
    tailFrames,
    restoreEvents: after.filter((f) => f.dir === 'up' && f.type === 'conversation.item.create').length,
  };
}

const rel = (at: number | undefined, t0: number): number | undefined => (at === undefined ? undefined : at - t0);

const COLUMNS: [string, keyof Run][] = [
  ['reconn', 'reconnecting'], ['tcp', 'tcp'], ['created', 'created'], ['upd→', 'update'], ['updated', 'updated'],
  ['restored', 'restored'], ['resp→', 'responseCreate'], ['lastupd', 'lastUpdated'], ['created', 'responseCreated'], ['delta', 'delta'],
  ['AUDIO', 'audio'], ['audible', 'audible'],
];

function header(): void {
  console.log(`\nbackend drop (${DROP}) ${DROP_AFTER_MS} ms into the agent's audio; ms after the drop${MIC ? '; device streams microphone silence' : ''}`);
  console.log('  device: reconn = backend.reconnecting, restored = backend.restored, AUDIO = first agent audio frame, audible = silence heard');
  console.log('  relay:  tcp = new backend connection, created = session.created, upd→ = first gateway session.update, updated = first session.updated,');
  console.log('          resp→ = gateway response.create, lastupd = last session.updated before response.created (the backend has applied every update),');
  console.log('          created = response.created, delta = first output_audio.delta');
  console.log('  buffered = agent audio the device had not played yet at the drop; tail = audio frames after the drop, before reconn;');
  console.log('  items = conversation items restored; upds = session.update events on the new connection; conns = connection attempts\n');
  console.log(`run  ${COLUMNS.map(([name]) => name.padStart(8)).join(' ')}  buffered  tail  items  upds  conns`);
}

let printedHeader = false;
function printRun(n: number, run: Run): void {
  if (!printedHeader) {
    header();
    printedHeader = true;
  }
  console.log(`${String(n).padStart(3)}  ${COLUMNS.map(([, key]) => fmt(run[key] as number | undefined).padStart(8)).join(' ')}  ${fmt(run.bufferedMs).padStart(8)}  ${String(run.tailFrames).padStart(4)}  ${String(run.restoreEvents).padStart(5)}  ${String(run.updates).padStart(4)}  ${String(run.attempts).padStart(5)}`);
}

function printSummary(runs: Run[], load: string[]): void {
  const col = (key: keyof Run) => runs.map((r) => r[key] as number | undefined).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const stat = (key: keyof Run, f: (v: number[]) => number) => fmt(col(key).length ? f(col(key)) : NaN).padStart(8);
  console.log(`---  ${COLUMNS.map(() => '--------').join(' ')}`);
  console.log(`med  ${COLUMNS.map(([, key]) => stat(key, median)).join(' ')}  ${fmt(median(col('bufferedMs'))).padStart(8)}`);
  console.log(`min  ${COLUMNS.map(([, key]) => stat(key, (v) => Math.min(...v))).join(' ')}`);
  console.log(`max  ${COLUMNS.map(([, key]) => stat(key, (v) => Math.max(...v))).join(' ')}`);
  const missing = runs.filter((r) => r.audio === undefined).length;
  if (missing > 0) console.log(`\n${missing} of ${runs.length} runs heard no agent audio within ${WAIT_MS} ms of the drop`);
  const unnoticed = runs.filter((r) => r.reconnecting === undefined).length;
  if (unnoticed > 0) console.log(`${unnoticed} of ${runs.length} runs: the gateway never sent backend.reconnecting within ${WAIT_MS} ms (it did not notice the drop)`);
  // Where the pause goes, from the medians of each step's own length within a run.
  const seg = (from: keyof Run | null, to: keyof Run) => median(runs.map((r) => {
    const a = from === null ? 0 : (r[from] as number | undefined);
    const b = r[to] as number | undefined;
    return a === undefined || b === undefined ? NaN : b - a;
  }));
  const backoff = DEFAULT_LINK_POLICY.retryDelaysMs[0];
  const t = DEFAULT_TIMING;
  console.log(`\ndrop → next agent audio: median ${fmt(median(col('audio')))} ms (target ≤ 1500), min ${fmt(Math.min(...col('audio')))}, max ${fmt(Math.max(...col('audio')))}; drop → backend.restored: median ${fmt(median(col('restored')))} ms`);
  const updates = median(runs.map((r) => r.updates));
  console.log('where the median pause goes (medians of each step within a run, ms):');
  const line = (label: string, ms: number, note = '') => console.log(`  ${label.padEnd(46)} ${fmt(ms).padStart(6)}   ${note}`);
  line('drop → new backend TCP connection', seg(null, 'tcp'), `back-off: first retry after ${backoff} ms ± 20 % jitter (at once); the rest is noticing the drop`);
  line('TCP → session.created', seg('tcp', 'created'), 'WebSocket handshake; the emulator sends session.created on connect');
  line('session.created → first session.updated', seg('created', 'updated'), `the gateway sends its session.update(s) on open; emulator sessionUpdatedMs = ${t.sessionUpdatedMs}`);
  line('first session.updated → backend.restored', seg('updated', 'restored'), 'restore confirmed: items re-created, held input released, response.create sent');
  line('restored → last session.updated', seg('restored', 'lastUpdated'), `the emulator answers the ${fmt(updates)} session.updates one after another (${fmt(updates - 1)} more × ${t.sessionUpdatedMs} ms); response.create waits behind them`);
  line('last session.updated → response.created', seg('lastUpdated', 'responseCreated'), `emulator responseCreatedMs = ${t.responseCreatedMs}`);
  line('response.created → first delta', seg('responseCreated', 'delta'), `emulator firstDeltaMs = ${t.firstDeltaMs} (+ speech synthesis when slower)`);
  line('first delta → device has the audio', seg('delta', 'audio'), 'gateway relays it');
  const emulatorMs = seg('update', 'lastUpdated') + seg('lastUpdated', 'delta');
  console.log(`  → of the median pause ${fmt(median(col('audio')))} ms: back-off ${backoff} ms, emulator latency ${fmt(emulatorMs)} ms (session.updated ×${fmt(updates)}, response.created, first delta), gateway and network ${fmt(median(col('audio')) - emulatorMs)} ms`);
  console.log(`  → drop → backend.restored ${fmt(median(col('restored')))} ms; restored → audio ${fmt(seg('restored', 'audio'))} ms`);
  console.log(`\nthe device had a median ${fmt(median(col('bufferedMs')))} ms of agent audio buffered at the drop (the emulator streams at ${t.audioPace}× real time), so the silence heard was median ${fmt(median(col('audible')))} ms`);
  console.log(`load average (1/5/15 min) at start / mid / end: ${load.join('  |  ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
