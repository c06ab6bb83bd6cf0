import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayAt, type GatewayAt } from '../helpers/gateway-at.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { GREETING_SCRIPT, FAST_TIMING } from '../helpers/gateway.ts';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { TcpRelay } from '../../bench/lib/tcp-relay.ts';

// Fault test: the path to the backend goes silent without a close (a NAT or load balancer that
// forgot the connection, a host that vanished): no FIN, no RST, nothing. Only the gateway's pings
// can notice; the call must then reconnect as after any drop, on either voice API.

describe('backend link: a connection that goes silent', () => {
  let emulator: RunningEmulator | undefined;
  let relay: TcpRelay | undefined;
  let gw: GatewayAt | undefined;

  afterEach(async () => {
    await gw?.close();
    await relay?.close();
    await emulator?.close();
  });

  // Realtime: `You said: …` is the emulator's answer to typed text without a script line.
  it.each([
    { api: 'realtime' as const, answer: /You said/ },
    { api: 'live' as const, answer: /./ },
  ])('on $api: is taken for dropped once it stops answering pings, the call reconnects and the next turn is answered', async ({ api, answer }) => {
    emulator = await startEmulator({ script: GREETING_SCRIPT, timing: FAST_TIMING });
    const { port, pathname } = new URL(api === 'live' ? emulator.liveUrl : emulator.url);
    relay = new TcpRelay('127.0.0.1', Number(port));
    const relayPort = await relay.listen();
    gw = await startGatewayAt(`ws://127.0.0.1:${relayPort}${pathname}`, { api, config: { backendPingMs: 200 } });

    const device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    relay.cut('blackhole');

    await device.waitFor('backend.reconnecting', () => true, 10_000);
    await device.waitFor('backend.restored', () => true, 10_000);
    const eventsBefore = device.events.length;
    device.control({ type: 'input_text', text: 'are you still there?' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && answer.test(e.text) && device.events.indexOf(e) >= eventsBefore);
    expect(device.events.filter((e) => e.type === 'session.ready')).toHaveLength(1);
    expect(device.events.filter((e) => e.type === 'session.ended')).toEqual([]);
    device.close();
  });
});
