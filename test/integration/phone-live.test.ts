import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStartEvent } from 'openai/resources/live/live';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { TwilioPhone } from '../../src/converse/twilio-phone.ts';
import { speechPcm } from '../helpers/speech.ts';
import { pcm16ToUlaw, ulawToPcm16 } from '../../src/audio/g711.ts';
import { rms } from '../../src/audio/pcm.ts';

const AUTH_TOKEN = 'twilio-test-auth-token';
const PUBLIC_URL = 'https://gateway.test';

// The phone edge on GPT-Live: the caller's u-law passes through untouched (Live speaks G.711 too).

describe('phone edge on GPT-Live: a Twilio call against the emulator', () => {
  let gw: TestGateway;
  let call: TwilioPhone;

  beforeAll(async () => {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', api: 'live', config: { twilioAuthToken: AUTH_TOKEN, publicUrl: PUBLIC_URL } });
    call = await TwilioPhone.dial({ httpUrl: gw.httpUrl, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN, from: '+14155550123', to: '+18005550199', playbackSpeed: 4 });
  });
  afterAll(async () => {
    call?.ws.close();
    await gw?.close();
  });

  it('starts the Live session in G.711 u-law with the caller in the backend\'s context, and greets audibly', async () => {
    const started = await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'session.started');
    expect(started).toBeDefined();
    const start = gw.tap.clientEvents('session.start')[0] as unknown as SessionStartEvent;
    expect(start.session.audio?.format).toEqual({ type: 'audio/pcmu', rate: 8000 });
    const delegation = start.session.delegation;
    expect(delegation?.type === 'responses' ? delegation.responses.instructions : '').toContain('calling from +14155550123');
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const check = () => {
        if (call.audio.length > 0 && rms(ulawToPcm16(Buffer.concat(call.audio))) > 500) return resolve();
        if (Date.now() > deadline) return reject(new Error('no audible greeting'));
        setTimeout(check, 50);
      };
      check();
    });
  });

  it('hears the caller in u-law and moves the state', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    await call.sendUlaw(pcm16ToUlaw(await speechPcm('My first name is Jane.', { rate: 8000, leadingSilenceMs: 300, trailingSilenceMs: 1000 })), 4);
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'session.instructions.append' && String(e.event.content).includes('3_get_last_name'));
    const moves = gw.tap.clientEvents('session.update').length;
    expect(moves).toBeGreaterThanOrEqual(2);
  });
});
