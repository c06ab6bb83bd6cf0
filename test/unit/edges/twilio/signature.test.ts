import { describe, expect, it } from 'vitest';
import { TwilioSignatures } from '../../../../src/edges/twilio/signature.ts';

// Twilio's documented test vectors (REALTIME_PROTOCOL.md §7.4, from twilio-python's tests).
const PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };

describe('X-Twilio-Signature', () => {
  const signatures = new TwilioSignatures('12345', 'https://mycompany.com');

  it("accepts Twilio's test vector for a form webhook, on the public origin", () => {
    expect(signatures.webhookIsSigned('RSOYDt4T1cUTdK1PDd93/VVr8B8=', '/myapp.php?foo=1&bar=2', PARAMS)).toBe(true);
  });

  it('refuses a missing signature, another signature, a changed parameter, another URL or another token', () => {
    expect(signatures.webhookIsSigned(undefined, '/myapp.php?foo=1&bar=2', PARAMS)).toBe(false);
    expect(signatures.webhookIsSigned('', '/myapp.php?foo=1&bar=2', PARAMS)).toBe(false);
    expect(signatures.webhookIsSigned('RSOYDt4T1cUTdK1PDd93/VVr8B8X', '/myapp.php?foo=1&bar=2', PARAMS)).toBe(false);
    expect(signatures.webhookIsSigned('RSOYDt4T1cUTdK1PDd93/VVr8B8=', '/myapp.php?foo=1&bar=2', { ...PARAMS, From: '+15555550000' })).toBe(false);
    expect(signatures.webhookIsSigned('RSOYDt4T1cUTdK1PDd93/VVr8B8=', '/myapp.php?foo=1', PARAMS)).toBe(false);
    expect(new TwilioSignatures('54321', 'https://mycompany.com')
      .webhookIsSigned('RSOYDt4T1cUTdK1PDd93/VVr8B8=', '/myapp.php?foo=1&bar=2', PARAMS)).toBe(false);
  });

  it('accepts the signature with or without the default port, as Twilio may send either', () => {
    expect(new TwilioSignatures('12345', 'https://mycompany.com:443')
      .webhookIsSigned('RSOYDt4T1cUTdK1PDd93/VVr8B8=', '/myapp.php?foo=1&bar=2', PARAMS)).toBe(true);
  });

  it("signs the stream's upgrade over its wss:// URL, with no parameters (test vector)", () => {
    const streams = new TwilioSignatures('12345', 'https://example.com');
    expect(streams.streamUrl('/media-stream')).toBe('wss://example.com/media-stream');
    expect(streams.upgradeIsSigned('XFfwGS2Ev7f9qAP9MmRoMS7C724=', '/media-stream')).toBe(true);
    expect(streams.upgradeIsSigned('XFfwGS2Ev7f9qAP9MmRoMS7C724=', '/other-stream')).toBe(false);
    expect(streams.upgradeIsSigned(undefined, '/media-stream')).toBe(false);
  });
});
