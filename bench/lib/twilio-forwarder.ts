import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

/**
 * The baseline on the phone path: the least a relay must do with a Twilio Media Stream (media in →
 * append event out; audio delta in → media + mark out), with no webhook, agents, tools or state.
 * Twilio's own messages (connected, mark echoes, stop) are read and dropped. Run as its own process.
 */
const backendUrl = process.argv[2];
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/twilio/media' });
wss.on('connection', (twilio) => {
  const backend = new WebSocket(`${backendUrl}?model=gpt-realtime`, { headers: { Authorization: 'Bearer x' } });
  let streamSid = '';
  let marks = 0;
  twilio.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { event: string; start?: { streamSid: string }; media?: { payload: string } };
    if (message.event === 'start' && message.start) streamSid = message.start.streamSid;
    if (message.event !== 'media' || !message.media || backend.readyState !== WebSocket.OPEN) return;
    backend.send(`{"type":"input_audio_buffer.append","audio":"${message.media.payload}"}`);
  });
  backend.on('message', (data) => {
    const event = JSON.parse(data.toString()) as { type: string; delta?: string };
    if (event.type !== 'response.output_audio.delta' || !event.delta) return;
    twilio.send(`{"event":"media","streamSid":"${streamSid}","media":{"payload":"${event.delta}"}}`);
    // A mark after each chunk is how a relay learns how far playback got; the gateway and the
    // reference relay both send one, so the baseline does too.
    twilio.send(`{"event":"mark","streamSid":"${streamSid}","mark":{"name":"m${++marks}"}}`);
  });
  twilio.on('close', () => backend.close());
  backend.on('close', () => twilio.close());
});
wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  console.log(`open http://127.0.0.1:${port}/`);
});
