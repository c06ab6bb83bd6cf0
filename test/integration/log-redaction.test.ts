import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { postVoiceWebhook } from '../../src/converse/twilio-phone.ts';
import { loggerOptions } from '../../src/observability/logger.ts';

const DEVICE_TOKEN = 'secret-xyz';
const WRONG_TOKEN = 'wrong-token-abc';
const SIGNATURE = 'c2lnbmF0dXJlLXNlY3JldA==';
const SECRETS = [DEVICE_TOKEN, WRONG_TOKEN, SIGNATURE];

/** Opens a WebSocket and resolves with the HTTP status it was refused with. */
function refusedWith(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('error', () => undefined); // terminate() below reports the aborted handshake
    ws.once('open', () => reject(new Error(`${url} was accepted`)));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
  });
}

describe('credentials never reach the logs', () => {
  const lines: string[] = [];
  let gw: TestGateway;
  let closed = false;

  beforeAll(async () => {
    // The gateway's own logger options, at the most talkative level.
    const logger = pino(loggerOptions('trace'), { write: (line: string) => void lines.push(line) });
    gw = await startTestGateway({
      script: GREETING_SCRIPT,
      logger,
      config: { gatewayTokens: [DEVICE_TOKEN], twilioAuthToken: 'twilio-auth', publicUrl: 'https://gateway.test' },
    });
  });
  afterAll(async () => {
    if (!closed) await gw?.close();
  });

  it('keeps device tokens in URLs, right or wrong, and Twilio signatures out of every line', async () => {
    const device = await KioskClient.connect(`${gw.wsUrl}?token=${DEVICE_TOKEN}`);
    await device.waitFor('session.ready');
    device.control({ type: 'hangup' });
    await device.waitFor('session.ended');
    device.close();

    expect(await refusedWith(`${gw.wsUrl}?token=${WRONG_TOKEN}`)).toBe(401);
    expect(await refusedWith(`${gw.wsUrl}?%74oken=${WRONG_TOKEN}`)).toBe(401);
    // Paths Fastify and its plugins log in their own words: an unknown route, a page that is not a WebSocket.
    expect(await refusedWith(`${gw.wsUrl.replace('/v1/ws', '/v1/nope')}?token=${DEVICE_TOKEN}`)).toBe(404);
    expect((await fetch(`${gw.httpUrl}/nope?a=1&token=${DEVICE_TOKEN}`)).status).toBe(404);
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`${gw.wsUrl.replace('/v1/ws', '/')}?token=${DEVICE_TOKEN}`);
      ws.on('error', () => undefined);
      ws.once('close', () => resolve());
    });
    const webhook = await postVoiceWebhook({ httpUrl: gw.httpUrl, publicUrl: 'https://gateway.test', authToken: 'twilio-auth' }, { CallSid: 'CA1' }, SIGNATURE);
    expect(webhook.status).toBe(403);
    // Closing logs the shutdown too; every line is in once it resolves (the stream is synchronous).
    closed = true;
    await gw.close();

    const logged = lines.join('');
    for (const secret of SECRETS) expect(logged).not.toContain(secret);
    // ...and not because nothing was logged: the requests are there, their tokens redacted.
    expect(logged).toContain('"url":"/v1/ws?token=[redacted]"');
    expect(logged).toContain('Route GET:/nope?a=1&token=[redacted] not found');
  });
});
