import { describe, expect, it } from 'vitest';
import { afterStreamTwiml, streamTwiml } from '../../../../src/edges/twilio/twiml.ts';

const body = (twiml: string) => twiml.replace(/^<\?xml[^>]*\?>/, '');

describe('TwiML', () => {
  it('opens the stream with its parameters and asks the action URL once it ends, with nothing after </Connect>', () => {
    expect(body(streamTwiml('wss://gw.test/twilio/media', 'https://gw.test/twilio/after', { CallSid: 'CA1', From: '+1<2' })))
      .toBe('<Response><Connect action="https://gw.test/twilio/after"><Stream url="wss://gw.test/twilio/media"><Parameter name="CallSid" value="CA1"/><Parameter name="From" value="+1&lt;2"/></Stream></Connect></Response>');
  });

  it('after the stream: hangs up, apologises, or dials the person (a SIP address, over TLS for sips:, or a number with its extension)', () => {
    expect(body(afterStreamTwiml({ kind: 'finished' }))).toBe('<Response><Hangup/></Response>');
    expect(body(afterStreamTwiml({ kind: 'failed' }))).toMatch(/^<Response><Say>Sorry, we could not continue this call\. Please call again\.<\/Say><Hangup\/><\/Response>$/);
    expect(body(afterStreamTwiml({ kind: 'transferred', to: 'sip:desk@example.com' }))).toBe('<Response><Dial><Sip>sip:desk@example.com</Sip></Dial></Response>');
    expect(body(afterStreamTwiml({ kind: 'transferred', to: 'sips:desk@example.com' }))).toBe('<Response><Dial><Sip>sip:desk@example.com;transport=tls</Sip></Dial></Response>');
    expect(body(afterStreamTwiml({ kind: 'transferred', to: 'tel:+14155550123' }))).toBe('<Response><Dial><Number>+14155550123</Number></Dial></Response>');
    expect(body(afterStreamTwiml({ kind: 'transferred', to: 'tel:+14155550123;ext=42' }))).toBe('<Response><Dial><Number sendDigits="ww42">+14155550123</Number></Dial></Response>');
  });
});
