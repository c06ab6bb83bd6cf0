import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { TwilioEdge } from '../../../../src/edges/twilio/twilio-edge.ts';
import type { TokenCheck } from '../../../../src/edges/twilio/stream-token.ts';

// The Twilio edge over a real socket. The stream's `start` is checked asynchronously (the fleet
// remembers used tokens): what Twilio sends meanwhile is held and handled in order once the check
// answers, or never if it refuses. Frames a lossy line dropped are filled with silence.

const SID = 'MZ0123456789abcdef0123456789abcdef';
const messages = [
  { event: 'connected', protocol: 'Call', version: '1.0.0' },
  { event: 'start', streamSid: SID, start: { accountSid: 'AC1', streamSid: SID, callSid: 'CA1', tracks: ['inbound'], customParameters: { From: '+1' }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } },
  { event: 'media', streamSid: SID, media: { track: 'inbound', chunk: '1', timestamp: '0', payload: 'AQID' } },
  { event: 'dtmf', streamSid: SID, dtmf: { track: 'inbound_track', digit: '7' } },
  { event: 'media', streamSid: SID, media: { track: 'inbound', chunk: '2', timestamp: '20', payload: 'BAUG' } },
];

interface Harness {
  client: WebSocket;
  /** What the edge did, in order. */
  seen: string[];
  answer: (check: TokenCheck) => void;
  checked: Promise<void>;
  edgeClosed: Promise<string>;
}

async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 5_000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Twilio edge: the asynchronous start check', () => {
  let server: WebSocketServer | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  async function connect(sent = messages): Promise<Harness> {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server!.once('listening', resolve));
    const seen: string[] = [];
    let answer!: (check: TokenCheck) => void;
    let asked!: () => void;
    const checked = new Promise<void>((resolve) => { asked = resolve; });
    let closed!: (reason: string) => void;
    const edgeClosed = new Promise<string>((resolve) => { closed = resolve; });
    server.once('connection', (socket) => {
      const edge = new TwilioEdge(socket, {
        log: pino({ level: 'silent' }),
        verifyStart: () => new Promise<TokenCheck>((resolve) => {
          answer = resolve;
          asked();
        }),
        onStart: () => seen.push('started'),
      });
      edge.on('audio', (payload) => seen.push(`audio ${payload}`));
      edge.on('control', (control) => seen.push(`control ${JSON.stringify(control)}`));
      edge.on('close', (reason) => closed(reason));
    });
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise((resolve) => client.once('open', resolve));
    for (const message of sent) client.send(JSON.stringify(message));
    return { client, seen, answer: (check) => answer(check), checked, edgeClosed };
  }

  it('handles what came during the check, in order, once it passes', async () => {
    const h = await connect();
    await h.checked;
    // Everything after start has arrived by now (one socket, in order), and none of it was handled.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.seen).toEqual([]);
    h.answer({ ok: true });
    await until(() => h.seen.length >= 4);
    expect(h.seen).toEqual(['started', 'audio AQID', 'control {"type":"dtmf","digit":"7"}', 'audio BAUG']);
    h.client.close();
  });

  it('handles none of it when the check refuses, and ends the stream', async () => {
    const h = await connect();
    await h.checked;
    h.answer({ ok: false, reason: 'stream token already used' });
    expect(await h.edgeClosed).toBe('stream_refused');
    expect(h.seen).toEqual([]);
  });

  it('starts nothing when Twilio hangs up while the check is out', async () => {
    const h = await connect();
    await h.checked;
    h.client.close();
    expect(await h.edgeClosed).toBe('client_closed');
    h.answer({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.seen).toEqual([]);
  });

  it('fills frames a lossy line dropped with silence, up to 10 s, so the backend hears the pause', async () => {
    const frame = (timestamp: number) => ({ event: 'media', streamSid: SID, media: { track: 'inbound', chunk: '1', timestamp: String(timestamp), payload: Buffer.alloc(160, 0x11).toString('base64') } });
    const h = await connect([...messages.slice(0, 2), frame(0), frame(20), frame(100), frame(110), frame(60_000)]);
    await h.checked;
    h.answer({ ok: true });
    await until(() => h.seen.filter((s) => s.startsWith('audio')).length >= 7);
    const sizes = h.seen.filter((s) => s.startsWith('audio')).map((s) => {
      const bytes = Buffer.from(s.slice('audio '.length), 'base64');
      return bytes.every((b) => b === 0xff) ? `silence ${bytes.length / 8} ms` : `${bytes.length / 8} ms`;
    });
    // 0-20, 20-40, then 60 ms lost before 100; 110 overlaps (no gap); then 10 s at most of a 59.9 s gap.
    expect(sizes).toEqual(['20 ms', '20 ms', 'silence 60 ms', '20 ms', '20 ms', 'silence 10000 ms', '20 ms']);
    h.client.close();
  });
});
