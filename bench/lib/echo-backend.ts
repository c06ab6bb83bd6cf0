import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';

/**
 * A Realtime backend that answers just enough of the protocol for a session to start, and echoes
 * every appended input chunk straight back as one output-audio delta: the round trip then measures
 * only the relay in between. Runs as its own process, so it does not share a core with the devices.
 */
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime' });
let n = 0;
wss.on('connection', (ws) => {
  const session = { type: 'realtime', object: 'realtime.session', id: `sess_echo${++n}`, model: 'gpt-realtime' };
  ws.send(JSON.stringify({ type: 'session.created', event_id: 'event_0', session }));
  ws.on('message', (data) => {
    const text = data.toString();
    // The hot path: find the audio without parsing the whole event twice.
    if (text.startsWith('{"type":"input_audio_buffer.append"')) {
      const audio = text.slice(text.indexOf('"audio":"') + 9, text.lastIndexOf('"'));
      ws.send(`{"type":"response.output_audio.delta","event_id":"event_e","response_id":"resp_echo","item_id":"item_echo","output_index":0,"content_index":0,"delta":"${audio}"}`);
      return;
    }
    const event = JSON.parse(text) as { type: string };
    if (event.type === 'session.update') ws.send(JSON.stringify({ type: 'session.updated', event_id: 'event_1', session }));
    if (event.type === 'response.create') {
      const response = { object: 'realtime.response', id: `resp_${++n}`, status: 'in_progress', output: [], conversation_id: 'conv_echo', usage: null };
      ws.send(JSON.stringify({ type: 'response.created', event_id: 'event_2', response }));
      ws.send(JSON.stringify({ type: 'response.done', event_id: 'event_3', response: { ...response, status: 'completed' } }));
    }
  });
});
wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  console.log(`open http://127.0.0.1:${port}/`);
});
