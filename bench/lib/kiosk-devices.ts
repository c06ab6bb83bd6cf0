import WebSocket from 'ws';
import { cpuMs, rssBytes } from './proc.ts';

const FRAME_MS = 20;
const FRAME_BYTES = 48 * FRAME_MS;
const WARMUP_MS = 1500;
const SLOTS = 4;

/** What one round of simulated kiosks measured: each frame's round trip, and the relay's CPU and memory. */
export interface DeviceRound {
  p50: number;
  p99: number;
  max: number;
  /** The relay process's CPU over the measured seconds, in % of a core. */
  cpuPct: number;
  /** The relay's resident memory at the end of the streaming, before the devices leave. */
  rssLiveMb: number;
  lost: number;
}

/** A simulated kiosk on /v1/ws; with `awaitReady`, resolved once the gateway says `session.ready`. */
export function connectDevice(url: string, awaitReady = true): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    if (!awaitReady) ws.once('open', () => resolve(ws));
    else ws.on('message', function ready(data, isBinary) {
      if (!isBinary && String(data).includes('"session.ready"')) {
        ws.off('message', ready);
        resolve(ws);
      }
    });
  });
}

/**
 * Streams 20 ms PCM16 frames from every device in real time (a warm-up, then `seconds` measured),
 * each frame numbered so its echo times its round trip; then closes the devices.
 */
export async function streamDevices(devices: WebSocket[], relayPid: number, seconds: number): Promise<DeviceRound> {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let measuring = false;
  let seq = 0;
  for (const ws of devices) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const sent = sentAt.get((data as Buffer).readUInt32LE(0));
      if (sent !== undefined && measuring) latencies.push(performance.now() - sent);
    });
  }
  const frame = Buffer.alloc(FRAME_BYTES);
  const start = performance.now();
  let tick = 0;
  let cpuStart = 0;
  let sentMeasured = 0;
  await new Promise<void>((resolve) => {
    // Devices are not in lockstep: each 20 ms period is split into slots, each slot sending for
    // its share of the devices, so the load arrives spread out as it would from real kiosks.
    const step = () => {
      const now = performance.now();
      if (!measuring && now - start >= WARMUP_MS) {
        measuring = true;
        cpuStart = cpuMs(relayPid);
      }
      for (let d = tick % SLOTS; d < devices.length; d += SLOTS) {
        const id = seq++;
        frame.writeUInt32LE(id, 0);
        sentAt.set(id, performance.now());
        devices[d].send(frame);
        if (measuring) sentMeasured++;
      }
      tick++;
      if (now - start >= WARMUP_MS + seconds * 1000) return resolve();
      // Drift-corrected real-time pacing: slot k is due at start + k × (20 ms / SLOTS).
      setTimeout(step, Math.max(0, start + (tick * FRAME_MS) / SLOTS - performance.now()));
    };
    step();
  });
  const cpuUsed = cpuMs(relayPid) - cpuStart;
  const rssLive = rssBytes(relayPid);
  await new Promise((r) => setTimeout(r, 300));
  measuring = false;
  for (const ws of devices) ws.close();
  await new Promise((r) => setTimeout(r, 1000));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? NaN,
    cpuPct: (cpuUsed / (seconds * 1000)) * 100,
    rssLiveMb: rssLive / 1024 / 1024,
    lost: Math.max(0, sentMeasured - latencies.length),
  };
}
