import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import type { SessionResource } from 'openai/resources/live/live';

/**
 * The bench's GPT-Live backend (bench/kiosk.ts): it answers just enough of the Live protocol for a
 * session to start and end, and echoes every appended input chunk straight back as one
 * `session.output_audio.delta`, so a round trip measures only the relay in between, as the
 * Realtime echo backend does. Runs as its own process; prints `open http://127.0.0.1:PORT/` when ready.
 */
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/live/sessions', perMessageDeflate: false });
const APPEND = '{"type":"session.input_audio.append"';
let n = 0;
wss.on('connection', (ws) => {
  let session: SessionResource | undefined;
  ws.on('message', (data) => {
    const text = data.toString();
    // The hot path: the audio is cut out of the frame, not parsed.
    if (text.startsWith(APPEND)) {
      const at = text.indexOf('"audio":"') + 9;
      ws.send(`{"type":"session.output_audio.delta","delta":"${text.slice(at, text.indexOf('"', at))}"}`);
      return;
    }
    const event = JSON.parse(text) as { type: string; event_id?: string; session?: { model: string } };
    const ack = event.event_id ? { client_event_id: event.event_id } : {};
    switch (event.type) {
      case 'session.start':
        session = { id: `live_echo${++n}`, model: event.session?.model ?? 'gpt-live-1', status: 'active', expires_at: Math.floor(Date.now() / 1000) + 3600 };
        ws.send(JSON.stringify({ type: 'session.started', event_id: 'evt_0', session, ...ack }));
        return;
      case 'session.update':
        ws.send(JSON.stringify({ type: 'session.updated', event_id: 'evt_1', session, ...ack }));
        return;
      case 'session.commentary.append':
      case 'session.instructions.append':
        ws.send(JSON.stringify({ type: event.type.replace(/append$/, 'appended'), event_id: 'evt_2', start_ms: 0, end_ms: 0, ...ack }));
        return;
      case 'session.close':
        ws.send(JSON.stringify({ type: 'session.closed', event_id: 'evt_3', reason: 'close_requested', session, usage: { seconds: 1 }, ...ack }));
        ws.close();
        return;
      default:
    }
  });
});
wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  console.log(`open http://127.0.0.1:${port}/`);
});
