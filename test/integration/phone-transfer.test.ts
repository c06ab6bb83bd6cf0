import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcm16ToUlaw } from '../../src/audio/g711.ts';
import { TwilioPhone } from '../../src/converse/twilio-phone.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { TRANSFER_SCRIPT } from '../helpers/sip-calls.ts';
import { speechPcm } from '../helpers/speech.ts';

// A Twilio caller who asks for a person: the agent's transfer_call ends the stream, and Twilio's
// question after it is answered with a <Dial> to the person the agent file names.

const AUTH_TOKEN = 'twilio-test-auth-token';
const PUBLIC_URL = 'https://gateway.test';

describe('phone edge: a Twilio call transferred to a person', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ script: TRANSFER_SCRIPT, config: { twilioAuthToken: AUTH_TOKEN, publicUrl: PUBLIC_URL } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('closes the stream after transfer_call, and Twilio is told to dial the tour guide\'s person', async () => {
    const call = await TwilioPhone.dial({ httpUrl: gw.httpUrl, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN, playbackSpeed: 1 });
    const speak = async (text: string) => call.sendUlaw(pcm16ToUlaw(await speechPcm(text, { rate: 8000, leadingSilenceMs: 300, trailingSilenceMs: 1000 })), 4);
    const said = (text: string) => gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'response.output_audio_transcript.done' && e.event.transcript === text, 30_000);
    await said('Front desk.');
    await speak('I am Jane Doe.');
    await said('Tour desk.');
    await speak('Can I speak to a person, please?');
    const closed = await call.closed;
    expect(closed.reason).toBe('transferred');
    // The stream stayed open until the caller had heard "Putting you through" (every mark echoed).
    expect(call.queuedMs).toBeGreaterThan(0);
    expect(call.markedMs).toBe(call.queuedMs);
    const after = await call.afterStream();
    expect(after).toMatch(/<Response><Dial><Sip>sip:concierge@example\.com<\/Sip><\/Dial><\/Response>$/);
    expect(after).not.toContain('<Say>');
  }, 60_000);
});
