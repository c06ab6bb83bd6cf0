import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { RedisFleet } from '../../src/fleet/redis-fleet.ts';
import { FAST_TIMING, GREETING_SCRIPT } from '../helpers/gateway.ts';
import { startGatewayAt, type GatewayAt } from '../helpers/gateway-at.ts';
import { startFleetGateways, type FleetGateways } from '../helpers/fleet-gateways.ts';
import { startRedis } from '../helpers/redis-server.ts';
import { parseStreamTwiml, postTwilioForm, postVoiceWebhook, TwilioPhone, type DialOptions } from '../../src/converse/twilio-phone.ts';
import { startStream } from '../helpers/stream-start.ts';

const AUTH_TOKEN = 'twilio-test-auth-token';
const PUBLIC_URL = 'https://gateway.test';
const STREAM_URL = 'wss://gateway.test/twilio/media';
const CALL = { CallSid: 'CA00000000000000000000000000000042', From: '+14155550100', To: '+18005550199', AccountSid: 'AC1' };

/** Resolves once `check` holds (asked every 50 ms, at most 5 s). */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 5_000; !(await check());) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('phone edge across replicas: a stream token is good once in the whole fleet', () => {
  let fleet: FleetGateways;
  let gateways: GatewayAt[];

  beforeAll(async () => {
    fleet = await startFleetGateways(2, { config: { twilioAuthToken: AUTH_TOKEN, publicUrl: PUBLIC_URL } });
    gateways = fleet.gateways;
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('refuses a captured stream replayed on another replica once its call has started', async () => {
    const [a, b] = gateways.map((g): DialOptions => ({ httpUrl: g.httpUrl, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN }));
    const { parameters } = parseStreamTwiml(await (await postVoiceWebhook(a, CALL)).text());
    expect(await startStream(a, STREAM_URL, CALL.CallSid, parameters)).toBe('media');
    // The same signed upgrade and start, within the token's minute, at the other replica.
    expect(await startStream(b, STREAM_URL, CALL.CallSid, parameters)).toBe('closed:stream_refused');
    expect(await startStream(a, STREAM_URL, CALL.CallSid, parameters)).toBe('closed:stream_refused');
  });

  it('tells Twilio, at whichever replica it asks, that a call which ended well just hangs up', async () => {
    const [a, b] = gateways.map((g): DialOptions => ({ httpUrl: g.httpUrl, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN }));
    const call = await TwilioPhone.dial(a);
    await call.waitFor((m) => m.event === 'media');
    call.hangUp();
    await call.closed;
    // Twilio's action request reaches the other replica through the load balancer.
    await waitFor(async () => {
      const res = await postTwilioForm(b, '/twilio/after', { CallSid: call.callSid, CallStatus: 'completed' });
      return /<Response><Hangup\/><\/Response>$/.test(await res.text());
    });
  });
});

describe('phone edge with the fleet\'s Redis away', () => {
  it('still answers a call whose token is its own and fresh, and still refuses a replay of it on this replica', async () => {
    const emulator = await startEmulator({ script: GREETING_SCRIPT, timing: FAST_TIMING });
    const redis = await startRedis();
    const fleet = await RedisFleet.open({ url: redis.url, prefix: 't:', ttlMs: 1_000, log: pino({ level: 'silent' }) });
    const gateway = await startGatewayAt(emulator.url, { fleet, config: { twilioAuthToken: AUTH_TOKEN, publicUrl: PUBLIC_URL } });
    try {
      redis.stop();
      await new Promise((resolve) => redis.process.once('exit', resolve));
      const dial: DialOptions = { httpUrl: gateway.httpUrl, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN };
      const { parameters } = parseStreamTwiml(await (await postVoiceWebhook(dial, CALL)).text());
      expect(await startStream(dial, STREAM_URL, CALL.CallSid, parameters)).toBe('media');
      expect(await startStream(dial, STREAM_URL, CALL.CallSid, parameters)).toBe('closed:stream_refused');
      // A token for other numbers is still refused.
      expect(await startStream(dial, STREAM_URL, CALL.CallSid, { ...parameters, From: '+19999999999' })).toBe('closed:stream_refused');
    } finally {
      await gateway.close();
      await fleet.close();
      await emulator.close();
    }
  });
});
