import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startGatewayAt, waitUntil, type GatewayAt } from '../helpers/gateway-at.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

// Regression: a `response.output_audio.delta` without `delta`, or with a non-string one, threw
// inside the backend socket's message listener (`Buffer.from(undefined, 'base64')`) and took the
// whole process down; one whose `delta` was not base64 reached the device as garbage audio. Such
// a delta must cost that event only: dropped and logged, the valid audio around it delivered
// byte for byte, the session live. (A crash also fails the run: vitest reports uncaught errors.)

const DELTA = '{"type":"response.output_audio.delta","event_id":"event_d","response_id":"%R","item_id":"i","output_index":0,"content_index":0';

/** Malformed deltas, as raw frames: no delta, a number, a string that is JSON-looking but not base64. */
const MALFORMED = [
  `${DELTA}}`,
  `${DELTA},"delta":5}`,
  `${DELTA},"delta":"\\"},\\"x\\":\\""}`,
];

/** 20 ms of PCM16 24 kHz with a recognisable byte pattern. */
function pcm(seed: number): Buffer {
  return Buffer.from(Array.from({ length: 960 }, (_, i) => (i * 7 + seed) % 256));
}

function validDelta(responseId: string, audio: Buffer): string {
  return `${DELTA.replace('%R', responseId)},"delta":"${audio.toString('base64')}"}`;
}

/**
 * Plays fair for the session (session.created, session.updated for each session.update) and
 * answers each response.create with a response of one valid delta; in the first response, the
 * malformed deltas come before it.
 */
async function malformedAudioBackend(first: Buffer, later: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (ws: WebSocket) => {
    const session = { type: 'realtime', object: 'realtime.session', id: 'sess_audio', model: 'gpt-realtime', expires_at: Math.floor(Date.now() / 1000) + 3600 };
    ws.send(JSON.stringify({ type: 'session.created', event_id: 'event_c', session }));
    let responses = 0;
    ws.on('message', (data) => {
      const event = JSON.parse(data.toString()) as { type: string };
      if (event.type === 'session.update') ws.send(JSON.stringify({ type: 'session.updated', event_id: 'event_u', session }));
      if (event.type !== 'response.create') return;
      const id = `r${++responses}`;
      const response = (status: string) => ({ id, object: 'realtime.response', conversation_id: 'conv_1', status, output: [] });
      ws.send(JSON.stringify({ type: 'response.created', event_id: `event_${id}c`, response: response('in_progress') }));
      if (responses === 1) for (const frame of MALFORMED) ws.send(frame.replace('%R', id));
      ws.send(validDelta(id, responses === 1 ? first : later));
      ws.send(JSON.stringify({ type: 'response.done', event_id: `event_${id}d`, response: response('completed') }));
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    close: () => new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    }),
  };
}

describe('backend audio deltas: a malformed one costs that event, not the process', () => {
  let backend: Awaited<ReturnType<typeof malformedAudioBackend>> | undefined;
  let gw: GatewayAt | undefined;
  let device: KioskClient | undefined;

  afterEach(async () => {
    device?.ws.terminate();
    await gw?.close();
    await backend?.close();
  });

  it('drops deltas without a base64 string delta; the valid audio reaches the device exactly, and the call goes on', async () => {
    const first = pcm(1);
    const later = pcm(2);
    backend = await malformedAudioBackend(first, later);
    const logs: { level: number; msg: string; problem?: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as (typeof logs)[number]) });
    gw = await startGatewayAt(backend.url, { config: { backendTimeoutMs: 5_000 }, logger });

    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
    // The session's opening response.create gets the malformed deltas, then the valid one.
    await waitUntil(() => device!.audio.length >= 1, 'the valid audio delivered');
    expect(device.audio).toHaveLength(1);
    expect(device.audio[0].equals(first)).toBe(true);
    const dropped = logs.filter((l) => l.msg === 'malformed backend event dropped');
    expect(dropped.map((l) => l.problem)).toEqual(Array(3).fill('response.output_audio.delta: delta is not a base64 string'));

    // Still live: a typed turn is answered with audio, byte for byte.
    device.reportPlayed(device.receivedSinceClearMs);
    device.control({ type: 'input_text', text: 'Are you there?' });
    await waitUntil(() => device!.audio.length >= 2, 'the second answer delivered');
    expect(device.audio).toHaveLength(2);
    expect(device.audio[1].equals(later)).toBe(true);
    expect(device.events.filter((e) => e.type === 'error' || e.type === 'session.ended')).toEqual([]);
    expect(gw.app.sessions.size).toBe(1);
    expect((await fetch(`${gw.httpUrl}/healthz`)).status).toBe(200);

    device.control({ type: 'hangup' });
    const ended = await device.waitFor('session.ended');
    expect(ended.reason).toBe('hangup');
  });
});
