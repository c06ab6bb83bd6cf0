import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { RedisFleet } from '../../src/fleet/redis-fleet.ts';
import { FAST_TIMING, GREETING_SCRIPT } from '../helpers/gateway.ts';
import { startGatewayAt, type GatewayAt } from '../helpers/gateway-at.ts';
import { startRedis } from '../helpers/redis-server.ts';
import { parseStreamTwiml, postVoiceWebhook, TwilioPhone, type DialOptions } from '../../src/converse/twilio-phone.ts';

const AUTH_TOKEN = 'twilio-test-auth-token';
const PUBLIC_URL = 'https://gateway.test';
const STREAM_URL = 'wss://gateway.test/twilio/media';
const CALL = { CallSid: 'CA00000000000000000000000000000042', From: '+14155550100', To: '+18005550199', AccountSid: 'AC1' };

/** Opens the signed stream on a replica and starts it with `customParameters`: the first thing that happens. */
async function start(dial: DialOptions, customParameters: Record<string, string>): Promise<string> {
  const ws = await TwilioPhone.open(dial, STREAM_URL);
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(JSON.stringify({ event: 'start', streamSid: 'MZ1', start: {
    accountSid: 'AC1', streamSid: 'MZ1', callSid: CALL.CallSid, customParameters,
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
  const first = await Promise.race([
    new Promise<string>((resolve) => ws.once('message', (data) => resolve((JSON.parse(data.toString()) as { event: string }).event))),
    new Promise<string>((resolve) => ws.once('close', (_code, reason) => resolve(`closed:${reason.toString()}`))),
  ]);
  ws.close();
  return first;
}

describe('phone edge across replicas: a stream token is good once in the whole fleet', () => {
  let emulator: RunningEmulator;
  const gateways: GatewayAt[] = [];
  const fleets: RedisFleet[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ script: GREETING_SCRIPT, timing: FAST_TIMING });
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    for (let i = 0; i < 2; i++) {
      const fleet = await RedisFleet.open({ url: inject('redisUrl'), prefix, ttlMs: 1_000, log: pino({ level: 'silent' }) });
      fleets.push(fleet);
      gateways.push(await startGatewayAt(emulator.url, { fleet, config: { twilioAuthToken: AUTH_TOKEN, publicUrl: PUBLIC_URL } }));
    }
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await Promise.all(fleets.map((f) => f.close()));
    await emulator?.close();
  });

  it('refuses a captured stream replayed on another replica once its call has started', async () => {
    const [a, b] = gateways.map((g): DialOptions => ({ httpUrl: g.httpUrl, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN }));
    const { parameters } = parseStreamTwiml(await (await postVoiceWebhook(a, CALL)).text());
    expect(await start(a, parameters)).toBe('media');
    // The same signed upgrade and start, within the token's minute, at the other replica.
    expect(await start(b, parameters)).toBe('closed:stream_refused');
    expect(await start(a, parameters)).toBe('closed:stream_refused');
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
      expect(await start(dial, parameters)).toBe('media');
      expect(await start(dial, parameters)).toBe('closed:stream_refused');
      // A token for other numbers is still refused.
      expect(await start(dial, { ...parameters, From: '+19999999999' })).toBe('closed:stream_refused');
    } finally {
      await gateway.close();
      await fleet.close();
      await emulator.close();
    }
  });
});
