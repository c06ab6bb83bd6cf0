import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

const REQUEST_TIMEOUT_MS = 500;
/** Far beyond the bound (plus Node's check interval), far short of "never". */
const GIVE_UP_MS = 8_000;

interface Trickle {
  /** Everything the server sent before it closed the socket. */
  closed: Promise<string>;
  stop(): void;
}

/** A client that sends `head` and then one byte of `drip` every 100 ms, for as long as the socket is open. */
function trickle(port: number, head: string, drip: string): Trickle {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => { received += chunk; });
  socket.on('error', () => undefined); // a reset by the server is one way of being closed
  socket.once('connect', () => {
    socket.write(head);
    let i = 0;
    timer = setInterval(() => {
      if (socket.writable) socket.write(drip[i++ % drip.length] ?? '');
    }, 100);
  });
  const closed = new Promise<string>((resolve, reject) => {
    const giveUp = setTimeout(() => reject(new Error(`still open after ${GIVE_UP_MS} ms`)), GIVE_UP_MS);
    socket.once('close', () => {
      clearTimeout(giveUp);
      clearInterval(timer);
      resolve(received);
    });
  });
  return { closed, stop: () => { clearInterval(timer); socket.destroy(); } };
}

describe('request timeout', () => {
  let gw: TestGateway;
  let port: number;
  const trickles: Trickle[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT, config: { requestTimeoutMs: REQUEST_TIMEOUT_MS } });
    port = Number(new URL(gw.httpUrl).port);
  });
  afterAll(async () => {
    trickles.forEach((t) => t.stop());
    await gw?.close();
  });

  it('closes connections that trickle a POST /v1/webrtc body, answering 408', async () => {
    const head = 'POST /v1/webrtc HTTP/1.1\r\nHost: gw\r\nContent-Type: application/sdp\r\nContent-Length: 8000\r\n\r\n';
    const clients = Array.from({ length: 10 }, () => trickle(port, head, 'v=0\r\n'));
    trickles.push(...clients);
    const answers = await Promise.all(clients.map((c) => c.closed));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(gw.app.sessions.size).toBe(0);
  });

  it('closes a connection that trickles its headers, answering 408', async () => {
    const client = trickle(port, 'GET /healthz HTTP/1.1\r\n', 'X-Slow: y\r\n');
    trickles.push(client);
    await expect(client.closed).resolves.toMatch(/^HTTP\/1\.1 408 /);
  });

  it('leaves a WebSocket open long past the bound: the bound is on receiving the request only', async () => {
    const device = await KioskClient.connect(gw.wsUrl);
    try {
      await device.waitFor('session.ready');
      await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS * 4));
      device.control({ type: 'mode', mode: 'ptt' });
      await device.waitFor('mode', (e) => e.mode === 'ptt');
      expect(device.events.some((e) => e.type === 'session.ended')).toBe(false);
    } finally {
      device.close();
    }
  });
});
