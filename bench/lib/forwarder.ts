import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

/**
 * The baseline: the least a relay must do on the kiosk path (binary PCM in → append event out;
 * audio delta in → binary PCM out), with no agents, tools or state. Run as its own process.
 */
const backendUrl = process.argv[2];
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/ws' });
wss.on('connection', (device) => {
  const backend = new WebSocket(`${backendUrl}?model=gpt-realtime`, { headers: { Authorization: 'Bearer x' } });
  device.on('message', (data, isBinary) => {
    if (!isBinary || backend.readyState !== WebSocket.OPEN) return;
    backend.send(`{"type":"input_audio_buffer.append","audio":"${(data as Buffer).toString('base64')}"}`);
  });
  backend.on('message', (data) => {
    const event = JSON.parse(data.toString()) as { type: string; delta?: string };
    if (event.type === 'response.output_audio.delta' && event.delta) device.send(Buffer.from(event.delta, 'base64'));
  });
  device.on('close', () => backend.close());
  backend.on('close', () => device.close());
});
wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  console.log(`open http://127.0.0.1:${port}/`);
});
