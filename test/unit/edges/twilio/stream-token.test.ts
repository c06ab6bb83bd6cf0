import { describe, expect, it } from 'vitest';
import { StreamTokens } from '../../../../src/edges/twilio/stream-token.ts';

const CALL = { callSid: 'CA0123', from: '+14155550100', to: '+18005550199' };

describe('stream tokens', () => {
  it('lets the stream of the call the webhook answered start, once', () => {
    const tokens = new StreamTokens('auth');
    const token = tokens.mint(CALL, 1_000);
    expect(tokens.redeem(token, CALL, 2_000)).toEqual({ ok: true });
    expect(tokens.redeem(token, CALL, 3_000)).toEqual({ ok: false, reason: 'stream token already used' });
  });

  it('refuses a token for other numbers, another call, another auth token, a stale one, or none', () => {
    const tokens = new StreamTokens('auth');
    const token = tokens.mint(CALL, 1_000);
    expect(tokens.redeem(token, { ...CALL, from: '+15555550000' }, 2_000).ok).toBe(false);
    expect(tokens.redeem(token, { ...CALL, callSid: 'CA9999' }, 2_000).ok).toBe(false);
    expect(new StreamTokens('other').redeem(token, CALL, 2_000).ok).toBe(false);
    expect(tokens.redeem(token, CALL, 1_000 + 61_000)).toEqual({ ok: false, reason: 'stream token expired' });
    expect(tokens.redeem(undefined, CALL, 2_000)).toEqual({ ok: false, reason: 'no stream token' });
    expect(tokens.redeem('garbage', CALL, 2_000)).toEqual({ ok: false, reason: 'no stream token' });
    // A forged expiry breaks the MAC.
    const [, mac] = token.split('.');
    expect(tokens.redeem(`${9_999_999}.${mac}`, CALL, 2_000).ok).toBe(false);
  });

  it('forgets used calls once their tokens have expired', () => {
    const tokens = new StreamTokens('auth');
    expect(tokens.redeem(tokens.mint(CALL, 0), CALL, 10).ok).toBe(true);
    // Long after: the same call SID may be minted and redeemed again (the old entry is gone).
    expect(tokens.redeem(tokens.mint(CALL, 200_000), CALL, 200_010).ok).toBe(true);
  });
});
