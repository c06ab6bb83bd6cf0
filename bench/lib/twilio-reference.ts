import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { RealtimeAgent, RealtimeSession } from '@openai/agents/realtime';
import { TwilioRealtimeTransportLayer } from '@openai/agents-extensions';

/**
 * The relay a TypeScript developer would write today for a phone agent, after the Agents SDK's
 * Twilio example: one RealtimeSession per Media Stream over TwilioRealtimeTransportLayer, with a
 * trivial agent. It takes any stream (no webhook), like the bare forwarder. Run as its own process.
 */
const backendUrl = process.argv[2];
const agent = new RealtimeAgent({ name: 'Bench', instructions: 'Repeat what you hear.' });
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/twilio/media' });
wss.on('connection', (twilio) => {
  const transport = new TwilioRealtimeTransportLayer({ twilioWebSocket: twilio });
  const session = new RealtimeSession(agent, { transport, model: 'gpt-realtime' });
  session.on('error', (event) => console.error('reference session error:', event.error));
  session.connect({ apiKey: 'bench', url: `${backendUrl}?model=gpt-realtime` }).catch((err: unknown) => {
    console.error('reference connect failed:', err);
    twilio.close();
  });
});
wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  console.log(`open http://127.0.0.1:${port}/`);
});
