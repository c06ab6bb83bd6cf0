import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { startGatewayAt, waitUntil, type GatewayAt } from '../helpers/gateway-at.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';

// Fault tests: a backend that takes the connection and then never confirms the session. The device
// must not wait for minutes with no event, and its session must not keep a MAX_SESSIONS slot: the
// gateway says `session.ready` only once the backend has confirmed the session (`session.created`,
// then `session.updated` for the gateway's configuration), and gives up after BACKEND_TIMEOUT_MS
// with a coded error. Each fake backend also checks that the gateway let go of its connection.

const BACKEND_TIMEOUT_MS = 1_000;

/** A fake backend: its URL, how many connections the gateway still holds open on it, and its close. */
interface FakeBackend {
  url: string;
  openConnections(): number;
  accepted(): number;
  close(): Promise<void>;
}

/** Accepts TCP and never writes a byte: no upgrade response ever comes. */
async function silentTcp(): Promise<FakeBackend> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    // Reads (and ignores) the upgrade request: a paused socket would never see the gateway hang up.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    openConnections: () => sockets.size,
    // The gateway's reachability probe connects too (and hangs up at once): counted, never held.
    accepted: () => accepted,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Upgrades to WebSocket, then does `onConnection` (which may be nothing at all). */
async function wsBackend(onConnection: (ws: WebSocket) => void): Promise<FakeBackend> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let accepted = 0;
  server.on('connection', (ws) => {
    accepted++;
    onConnection(ws);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    openConnections: () => server.clients.size,
    accepted: () => accepted,
    close: () => new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    }),
  };
}

function sessionCreated(): string {
  const session = { type: 'realtime', object: 'realtime.session', id: 'sess_fake', model: 'gpt-realtime', expires_at: Math.floor(Date.now() / 1000) + 3600 };
  return JSON.stringify({ type: 'session.created', event_id: 'event_c', session });
}

const BACKENDS: [string, () => Promise<FakeBackend>][] = [
  ['accepts TCP and never answers the upgrade', silentTcp],
  ['upgrades and then sends nothing', () => wsBackend(() => {})],
  // The gateway's session.update is never answered with session.updated.
  ['sends session.created and never answers session.update', () => wsBackend((ws) => ws.send(sessionCreated()))],
];

describe('backend handshake: a backend that never confirms the session', () => {
  let backend: FakeBackend | undefined;
  let gw: GatewayAt | undefined;
  let emulator: RunningEmulator | undefined;
  const devices: KioskClient[] = [];

  afterEach(async () => {
    for (const device of devices.splice(0)) device.ws.terminate();
    await gw?.close();
    await backend?.close();
    await emulator?.close();
    gw = undefined;
    backend = undefined;
    emulator = undefined;
  });

  /** A device's whole life against a backend that never confirms: a coded error, then the end. */
  async function refusedCall(): Promise<void> {
    const device = await KioskClient.connect(gw!.wsUrl);
    devices.push(device);
    const closed = new Promise<number>((resolve) => device.ws.once('close', (code) => resolve(code)));
    const error = await device.waitFor('error', () => true, 15_000);
    expect(error.code).toBe('VG_ERR_BACKEND');
    const ended = await device.waitFor('session.ended', () => true, 5_000);
    expect(ended.reason).toBe('backend_unavailable');
    expect(await closed).toBe(1011);
    // Never told it was live, and told nothing else.
    expect(device.events.map((e) => e.type)).toEqual(['error', 'session.ended']);
  }

  it.each(BACKENDS)('a backend that %s: the device gets VG_ERR_BACKEND and is closed, and the slot is freed', async (_name, start) => {
    backend = await start();
    // One slot: if the stuck session kept it, the second device would be refused with a 503.
    gw = await startGatewayAt(backend.url, { config: { backendTimeoutMs: BACKEND_TIMEOUT_MS, maxSessions: 1 } });

    await refusedCall();
    await waitUntil(() => gw!.app.sessions.size === 0, 'the session count back to 0');
    // The gateway let go of its backend connection too.
    await waitUntil(() => backend!.openConnections() === 0, 'the backend connection closed by the gateway');
    expect(backend.accepted()).toBeGreaterThan(0);

    await refusedCall();
    await waitUntil(() => gw!.app.sessions.size === 0, 'the session count back to 0 again');
    await waitUntil(() => backend!.openConnections() === 0, 'the second backend connection closed by the gateway');

    const health = await fetch(`${gw.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', sessions: 0 });
  });

  it('a backend that refuses the session after the upgrade (an error event, then a close): the device hears at once', async () => {
    // What the live service does with a wrong key: 101, then `error` invalid_api_key and close 3000.
    emulator = await startEmulator({ apiKey: 'the-right-key' });
    // A long confirmation timeout: the refusal must be noticed by the close, not by the timer.
    gw = await startGatewayAt(emulator.url, { config: { backendTimeoutMs: 30_000 } });
    const device = await KioskClient.connect(gw.wsUrl);
    devices.push(device);
    const ended = await device.waitFor('session.ended', () => true, 10_000);
    expect(ended.reason).toBe('backend_unavailable');
    // Only the gateway's own coded error: the backend's words (which quote part of the key) stay in the log.
    expect(device.events.map((e) => (e.type === 'error' ? e.code : e.type))).toEqual(['VG_ERR_BACKEND', 'session.ended']);
    await waitUntil(() => gw!.app.sessions.size === 0, 'the session count back to 0');
  });
  it('a device that leaves while the backend is still being reached: the session ends client_closed, not as a backend failure', async () => {
    backend = await wsBackend(() => {});
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    gw = await startGatewayAt(backend.url, { config: { backendTimeoutMs: 30_000 }, logger });
    const device = await KioskClient.connect(gw.wsUrl);
    devices.push(device);
    await waitUntil(() => backend!.openConnections() === 1, 'the backend connection of the session open');
    device.close();

    await waitUntil(() => gw!.app.sessions.size === 0, 'the session count back to 0');
    await waitUntil(() => backend!.openConnections() === 0, 'the backend connection closed by the gateway');
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; reason?: string; level: number });
    expect(logged.filter((l) => l.msg === 'session ended').map((l) => l.reason)).toEqual(['client_closed']);
    expect(logged.filter((l) => l.msg === 'session could not start')).toEqual([]);
  });
});
