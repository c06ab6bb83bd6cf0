import { describe, expect, it } from 'vitest';
import { offerRefusal } from '../../../../src/edges/webrtc/access.ts';
import { mintSessionToken, TEST_TOKEN_SECRET } from '../../../helpers/session-token.ts';

describe('who may offer a browser call', () => {
  it('is open with neither device tokens nor a secret', () => {
    expect(offerRefusal({})(undefined)).toBeUndefined();
    expect(offerRefusal({ tokens: [] })('anything')).toBeUndefined();
  });

  it('needs a device token when only GATEWAY_TOKENS is set', () => {
    const refusal = offerRefusal({ tokens: ['dev-a', 'dev-b'] });
    expect(refusal(undefined)).toMatch(/needs Authorization: Bearer <token>, with a device token/);
    expect(refusal('dev-b')).toBeUndefined();
    expect(refusal('dev-c')).toMatch(/not a device token/);
    // Session tokens mean nothing without a secret to check them with.
    expect(refusal(mintSessionToken())).toMatch(/not a device token/);
  });

  it('takes a session token when WEBRTC_TOKEN_SECRET is set, and device tokens beside it', () => {
    const secretOnly = offerRefusal({ sessionTokenSecret: TEST_TOKEN_SECRET });
    expect(secretOnly(undefined)).toMatch(/a device token or a session token/);
    expect(secretOnly(mintSessionToken())).toBeUndefined();
    expect(secretOnly('dev-a')).toMatch(/neither a device token nor a session token/);
    const both = offerRefusal({ tokens: ['dev-a'], sessionTokenSecret: TEST_TOKEN_SECRET });
    expect(both('dev-a')).toBeUndefined();
    expect(both(mintSessionToken())).toBeUndefined();
  });
});
