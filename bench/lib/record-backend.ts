import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';

/**
 * The echo backend (echo-backend.ts) with call-record traffic, for bench/records.ts: every appended
 * input chunk is still echoed straight back as one output-audio delta (the round trip measures the
 * relay), and every `argv[2]` chunks (default 25: twice a second at 20 ms) it also sends a final
 * user transcript line, and every second one a `speech_stopped`, so each session publishes
 * transcript lines and turn latencies for the recorder as a real call does. Runs as its own process.
 */
const EVERY = Number(process.argv[2] ?? 25);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime', perMessageDeflate: false });
let n = 0;
wss.on('connection', (ws) => {
  const session = { type: 'realtime', object: 'realtime.session', id: `sess_rec${++n}`, model: 'gpt-realtime' };
  let chunks = 0;
  let lines = 0;
  ws.send(JSON.stringify({ type: 'session.created', event_id: 'event_0', session }));
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('{"type":"input_audio_buffer.append"')) {
      const audio = text.slice(text.indexOf('"audio":"') + 9, text.lastIndexOf('"'));
      ws.send(`{"type":"response.output_audio.delta","event_id":"event_e","response_id":"resp_echo","item_id":"item_echo","output_index":0,"content_index":0,"delta":"${audio}"}`);
      if (++chunks % EVERY === 0) {
        const item = `item_u${n}_${++lines}`;
        if (lines % 2 === 0) ws.send(JSON.stringify({ type: 'input_audio_buffer.speech_stopped', event_id: 'event_s', audio_end_ms: chunks * 20, item_id: item }));
        ws.send(JSON.stringify({
          type: 'conversation.item.input_audio_transcription.completed', event_id: 'event_t', item_id: item, content_index: 0,
          transcript: `This is line ${lines} of what the caller said, about as long as a real turn is.`,
          usage: { type: 'duration', seconds: 1 },
        }));
      }
      return;
    }
    const event = JSON.parse(text) as { type: string };
    if (event.type === 'session.update') ws.send(JSON.stringify({ type: 'session.updated', event_id: 'event_1', session }));
    if (event.type === 'response.create') {
      const response = { object: 'realtime.response', id: `resp_${++n}`, status: 'in_progress', output: [], conversation_id: 'conv_rec', usage: null };
      ws.send(JSON.stringify({ type: 'response.created', event_id: 'event_2', response }));
      ws.send(JSON.stringify({ type: 'response.done', event_id: 'event_3', response: { ...response, status: 'completed' } }));
    }
  });
});
wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  console.log(`record backend: open http://127.0.0.1:${port}/`);
});
