import { describe, expect, it } from 'vitest';
import { parseTwilioMessage } from '../../../../src/edges/twilio/messages.ts';

const SID = 'MZ0123456789abcdef0123456789abcdef';
const start = (mediaFormat: object = { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }) => JSON.stringify({
  event: 'start', sequenceNumber: '1', streamSid: SID,
  start: { accountSid: 'AC1', streamSid: SID, callSid: 'CA1', tracks: ['inbound'], customParameters: { From: '+1' }, mediaFormat },
});

describe('Twilio Media Streams messages', () => {
  it('reads the messages of a call', () => {
    expect(parseTwilioMessage('{"event":"connected","protocol":"Call","version":"1.0.0"}')).toEqual({ ok: true, message: { event: 'connected' } });
    const started = parseTwilioMessage(start());
    expect(started.ok && started.message.event === 'start' && started.message.start.customParameters).toEqual({ From: '+1' });
    expect(parseTwilioMessage(JSON.stringify({ event: 'media', streamSid: SID, media: { track: 'inbound', chunk: '1', timestamp: '5', payload: '//79/A==' } })))
      .toEqual({ ok: true, message: { event: 'media', streamSid: SID, payload: '//79/A==', timestamp: 5 } });
    expect(parseTwilioMessage(JSON.stringify({ event: 'mark', streamSid: SID, mark: { name: '0:160' } })).ok).toBe(true);
    expect(parseTwilioMessage(JSON.stringify({ event: 'dtmf', streamSid: SID, dtmf: { track: 'inbound_track', digit: '#' } })).ok).toBe(true);
    expect(parseTwilioMessage(JSON.stringify({ event: 'stop', streamSid: SID, stop: { callSid: 'CA1' } })).ok).toBe(true);
  });

  it.each([
    ['{"event":', /^not valid JSON/],
    ['[1,2]', /expected a JSON object/],
    ['{"event":"dance","streamSid":"MZ1"}', /unknown event "dance"/],
    [JSON.stringify({ event: 'media', media: { payload: 'AAAA' } }), /missing 'streamSid'/],
    [JSON.stringify({ event: 'media', streamSid: SID, media: { payload: 'not base64!' } }), /'media.payload' is not base64/],
    [JSON.stringify({ event: 'media', streamSid: SID, media: { payload: '"},"x":"' } }), /not base64/],
    [JSON.stringify({ event: 'media', streamSid: SID, media: { track: 'outbound', payload: 'AAAA' } }), /not inbound/],
    [JSON.stringify({ event: 'media', streamSid: SID, media: { timestamp: '-5', payload: 'AAAA' } }), /'media.timestamp' is not a count of milliseconds/],
    [JSON.stringify({ event: 'dtmf', streamSid: SID, dtmf: { digit: '12' } }), /dtmf: 'dtmf.digit' one keypad digit/],
    [JSON.stringify({ event: 'mark', streamSid: 'MZ"1', mark: { name: 'x' } }), /'streamSid' a Twilio SID/],
    [start({ encoding: 'audio/l16', sampleRate: 8000, channels: 1 }), /expected audio\/x-mulaw/],
  ])('refuses %s with a reason', (text, reason) => {
    const parsed = parseTwilioMessage(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(reason);
  });
});
