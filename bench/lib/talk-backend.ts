import type { WebSocket } from 'ws';
import { serveEcho } from './echo-server.ts';

/**
 * The echo backend (echo-server.ts) with one addition, for bench/abuse.ts: after a user text item
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

let talks = 0;

serveEcho('talk', (ws) => {
  let userSpoke = false;
  let talking: NodeJS.Timeout | undefined;
  ws.on('close', () => clearTimeout(talking));
  return {
    event: (event) => {
      if (event.type === 'conversation.item.create' && event.item?.type === 'message' && event.item.role === 'user') userSpoke = true;
      if (event.type === 'response.cancel' && talking) {
        clearTimeout(talking);
        talking = undefined;
      }
    },
    respond: (response) => {
      if (!userSpoke) return false;
      userSpoke = false;
      talk(ws, response, () => { talking = undefined; }, (timer) => { talking = timer; });
      return true;
    },
  };
});

function talk(ws: WebSocket, response: { id: string }, done: () => void, scheduled: (timer: NodeJS.Timeout) => void): void {
  const item = `item_talk${++talks}`;
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
