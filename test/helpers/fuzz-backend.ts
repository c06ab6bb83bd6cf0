import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A Realtime backend that plays fair just long enough for a session to start (session.created,
 * session.updated), and then, on the connections it is told to break, sends generated garbage:
 * truncated JSON, events missing their fields or with the wrong types, events out of order, huge
 * frames, binary frames. The other connections get a well-behaved echo: each appended input
 * chunk comes back as one output-audio delta.
 */
export interface FuzzBackend {
  url: string;
  /** Garbage frames sent so far. */
  sent(): number;
  close(): Promise<void>;
}

const EVENT_TYPES = [
  'response.output_audio.delta', 'response.created', 'response.done', 'response.output_item.added', 'response.output_item.done',
  'conversation.item.added', 'conversation.item.done', 'conversation.item.truncated', 'conversation.item.deleted',
  'response.output_audio_transcript.delta', 'response.output_audio_transcript.done', 'response.function_call_arguments.done',
  'conversation.item.input_audio_transcription.completed', 'input_audio_buffer.speech_started', 'input_audio_buffer.speech_stopped',
  'session.created', 'session.updated', 'error', 'rate_limits.updated', 'response.output_text.delta', 'nonsense.event',
];
const VALUES: unknown[] = [null, undefined, 0, -1, 1e308, '', 'x', '"', true, [], {}, [1, 'a'], { type: 'message' }, 'item_1', 'resp_1'];
const FIELDS = ['delta', 'response', 'item', 'item_id', 'response_id', 'content_index', 'output_index', 'transcript', 'error', 'session', 'audio_end_ms', 'call_id', 'arguments', 'name'];

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function garbageFrames(seed: number, count: number): (string | Buffer)[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const frames: (string | Buffer)[] = [];
  for (let i = 0; i < count; i++) {
    const kind = next();
    if (kind < 0.05) {
      frames.push(Buffer.from([1, 2, 3, 255]));
    } else if (kind < 0.052) {
      frames.push(`{"type":"response.output_audio.delta","delta":"${'A'.repeat(1024 * 1024)}"}`);
    } else {
      const event: Record<string, unknown> = { type: pick(EVENT_TYPES), event_id: `event_${i}` };
      const fields = Math.floor(next() * 5);
      for (let f = 0; f < fields; f++) event[pick(FIELDS)] = pick(VALUES);
      if (next() < 0.3) event[pick(FIELDS)] = { ...event, nested: pick(VALUES) };
      const text = JSON.stringify(event);
      frames.push(kind < 0.2 ? text.slice(0, Math.floor(next() * text.length)) : text);
    }
  }
  return frames;
}

export async function startFuzzBackend(opts: { breaks: (connection: number) => boolean; seed: number; frames: number }): Promise<FuzzBackend> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let connections = 0;
  let garbage = 0;
  server.on('connection', (ws: WebSocket) => {
    const connection = connections++;
    const session = { type: 'realtime', object: 'realtime.session', id: `sess_fuzz${connection}`, model: 'gpt-realtime', expires_at: Math.floor(Date.now() / 1000) + 3600 };
    ws.send(JSON.stringify({ type: 'session.created', event_id: 'event_c', session }));
    let started = false;
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"input_audio_buffer.append"')) {
        const audio = text.slice(text.indexOf('"audio":"') + 9, text.lastIndexOf('"'));
        ws.send(`{"type":"response.output_audio.delta","event_id":"event_e","response_id":"resp_echo","item_id":"item_echo","output_index":0,"content_index":0,"delta":"${audio}"}`);
        return;
      }
      const event = JSON.parse(text) as { type: string };
      if (event.type === 'session.update') ws.send(JSON.stringify({ type: 'session.updated', event_id: 'event_u', session }));
      if (event.type === 'session.update' && !started && opts.breaks(connection)) {
        started = true;
        // Once the gateway has confirmed the session, the garbage starts.
        setTimeout(() => {
          for (const frame of garbageFrames(opts.seed + connection, opts.frames)) {
            if (ws.readyState !== ws.OPEN) return;
            ws.send(frame);
            garbage++;
          }
        }, 50);
      }
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    sent: () => garbage,
    close: () => new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    }),
  };
}
