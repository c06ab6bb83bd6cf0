import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

/** A response the server has announced (`response.created`). */
export interface EchoResponse {
  object: 'realtime.response';
  id: string;
  status: string;
  output: [];
  conversation_id: string;
  usage: null;
}

/** What a variant adds to one connection of the echo server. */
export interface EchoVariant {
  /** After each appended input chunk has been echoed. */
  appended?(): void;
  /** Every other client event, before the server's own answers. */
  event?(event: { type: string; item?: { type?: string; role?: string } }): void;
  /** A response the variant answers itself (then the server sends no `response.done` for it). */
  respond?(response: EchoResponse): boolean;
}

/**
 * The bench's Realtime backend: it answers just enough of the protocol for a session to start, and
 * echoes every appended input chunk straight back as one output-audio delta, so a round trip
 * measures only the relay in between. `variant` adds a bench's own traffic per connection (a long
 * answer, record traffic). Runs as its own process; prints `open http://127.0.0.1:PORT/` when ready.
 */
export function serveEcho(name: string, variant: (ws: WebSocket) => EchoVariant = () => ({})): void {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime', perMessageDeflate: false });
  let n = 0;
  wss.on('connection', (ws) => {
    const session = { type: 'realtime', object: 'realtime.session', id: `sess_${name}${++n}`, model: 'gpt-realtime' };
    const hooks = variant(ws);
    ws.send(JSON.stringify({ type: 'session.created', event_id: 'event_0', session }));
    ws.on('message', (data) => {
      const text = data.toString();
      // The hot path: find the audio without parsing the whole event twice.
      if (text.startsWith('{"type":"input_audio_buffer.append"')) {
        const audio = text.slice(text.indexOf('"audio":"') + 9, text.lastIndexOf('"'));
        ws.send(`{"type":"response.output_audio.delta","event_id":"event_e","response_id":"resp_echo","item_id":"item_echo","output_index":0,"content_index":0,"delta":"${audio}"}`);
        hooks.appended?.();
        return;
      }
      const event = JSON.parse(text) as { type: string };
      hooks.event?.(event);
      if (event.type === 'session.update') ws.send(JSON.stringify({ type: 'session.updated', event_id: 'event_1', session }));
      if (event.type === 'response.create') {
        const response: EchoResponse = { object: 'realtime.response', id: `resp_${++n}`, status: 'in_progress', output: [], conversation_id: `conv_${name}`, usage: null };
        ws.send(JSON.stringify({ type: 'response.created', event_id: 'event_2', response }));
        if (hooks.respond?.(response)) return;
        ws.send(JSON.stringify({ type: 'response.done', event_id: 'event_3', response: { ...response, status: 'completed' } }));
      }
    });
  });
  wss.on('listening', () => {
    const { port } = wss.address() as AddressInfo;
    console.log(`open http://127.0.0.1:${port}/`);
  });
}
