import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

/**
 * The echo backend (echo-backend.ts) with one addition, for bench/abuse.ts: after a user text item
 * (`{"type":"input_text"}` from a device), the next `response.create` gets a long spoken answer,
 * streamed faster than real time, so the agent really talks to a device that has stopped reading.
 * Every appended input chunk is still echoed straight back as one output-audio delta, so the round
 * trip of a healthy call measures only the relay. Runs as its own process.
 *
 * argv: [talkSeconds = 600] [talkPace = 20] — audio per answer, and how many times faster than real
 * time it streams (100 ms deltas).
 */
const TALK_SECONDS = Number(process.argv[2] ?? 600);
const TALK_PACE = Number(process.argv[3] ?? 20);
const CHUNK_MS = 100;
const CHUNK = Buffer.alloc(48 * CHUNK_MS, 0x11).toString('base64');

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime', perMessageDeflate: false });
let n = 0;
wss.on('connection', (ws) => {
  const session = { type: 'realtime', object: 'realtime.session', id: `sess_talk${++n}`, model: 'gpt-realtime' };
  let userSpoke = false;
  let talking: NodeJS.Timeout | undefined;
  ws.send(JSON.stringify({ type: 'session.created', event_id: 'event_0', session }));
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('{"type":"input_audio_buffer.append"')) {
      const audio = text.slice(text.indexOf('"audio":"') + 9, text.lastIndexOf('"'));
      ws.send(`{"type":"response.output_audio.delta","event_id":"event_e","response_id":"resp_echo","item_id":"item_echo","output_index":0,"content_index":0,"delta":"${audio}"}`);
      return;
    }
    const event = JSON.parse(text) as { type: string; item?: { type?: string; role?: string } };
    if (event.type === 'session.update') ws.send(JSON.stringify({ type: 'session.updated', event_id: 'event_1', session }));
    if (event.type === 'conversation.item.create' && event.item?.type === 'message' && event.item.role === 'user') userSpoke = true;
    if (event.type === 'response.cancel' && talking) {
      clearTimeout(talking);
      talking = undefined;
    }
    if (event.type === 'response.create') {
      const response = { object: 'realtime.response', id: `resp_${++n}`, status: 'in_progress', output: [], conversation_id: 'conv_echo', usage: null };
      ws.send(JSON.stringify({ type: 'response.created', event_id: 'event_2', response }));
      if (!userSpoke) {
        ws.send(JSON.stringify({ type: 'response.done', event_id: 'event_3', response: { ...response, status: 'completed' } }));
        return;
      }
      userSpoke = false;
      talk(ws, response, () => { talking = undefined; }, (timer) => { talking = timer; });
    }
  });
  ws.on('close', () => clearTimeout(talking));
});

function talk(ws: WebSocket, response: { id: string }, done: () => void, scheduled: (timer: NodeJS.Timeout) => void): void {
  const item = `item_talk${++n}`;
  const chunks = Math.ceil((TALK_SECONDS * 1000) / CHUNK_MS);
  const start = performance.now();
  let sent = 0;
  const step = () => {
    if (ws.readyState !== ws.OPEN) return done();
    // Paced: chunk k is due at start + k × 100 ms / pace.
    while (sent < chunks && performance.now() >= start + (sent * CHUNK_MS) / TALK_PACE) {
      ws.send(`{"type":"response.output_audio.delta","event_id":"event_t","response_id":"${response.id}","item_id":"${item}","output_index":0,"content_index":0,"delta":"${CHUNK}"}`);
      sent++;
    }
    if (sent >= chunks) {
      ws.send(JSON.stringify({ type: 'response.done', event_id: 'event_4', response: { ...response, status: 'completed' } }));
      return done();
    }
    scheduled(setTimeout(step, CHUNK_MS / TALK_PACE));
  };
  step();
}

wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  console.log(`open http://127.0.0.1:${port}/`);
});
