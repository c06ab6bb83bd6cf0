import { describe, expect, it } from 'vitest';
import { StreamTokens } from '../../../../src/edges/twilio/stream-token.ts';

const CALL = { callSid: 'CA0123', from: '+14155550100', to: '+18005550199' };

describe('stream tokens', () => {
  // That a token is used once is the fleet's to remember: phone-robustness and phone-fleet tests.
  it('lets the stream of the call the webhook answered start', () => {
    const tokens = new StreamTokens('auth');
    const token = tokens.mint(CALL, 1_000);
    expect(tokens.verify(token, CALL, 2_000)).toEqual({ ok: true });
  });

  it('refuses a token for other numbers, another call, another auth token, a stale one, or none', () => {
    const tokens = new StreamTokens('auth');
    const token = tokens.mint(CALL, 1_000);
    expect(tokens.verify(token, { ...CALL, from: '+15555550000' }, 2_000).ok).toBe(false);
    expect(tokens.verify(token, { ...CALL, callSid: 'CA9999' }, 2_000).ok).toBe(false);
    expect(new StreamTokens('other').verify(token, CALL, 2_000).ok).toBe(false);
    expect(tokens.verify(token, CALL, 1_000 + 61_000)).toEqual({ ok: false, reason: 'stream token expired' });
    expect(tokens.verify(undefined, CALL, 2_000)).toEqual({ ok: false, reason: 'no stream token' });
    expect(tokens.verify('garbage', CALL, 2_000)).toEqual({ ok: false, reason: 'no stream token' });
    // A forged expiry breaks the MAC.
    const [, mac] = token.split('.');
    expect(tokens.verify(`${9_999_999}.${mac}`, CALL, 2_000).ok).toBe(false);
  });
});
