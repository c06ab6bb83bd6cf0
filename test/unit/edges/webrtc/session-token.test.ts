import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_SESSION_TOKEN_LIFETIME_S, sessionTokenProblem } from '../../../../src/edges/webrtc/session-token.ts';
import { mintSessionToken, TEST_TOKEN_SECRET } from '../../../helpers/session-token.ts';

const NOW_MS = 1_750_000_000_000;
const NOW_S = NOW_MS / 1000;
const claims = (extra: Record<string, unknown> = {}) => ({ aud: 'voice-gateway', exp: NOW_S + 300, ...extra });
const problem = (token: string) => sessionTokenProblem(token, TEST_TOKEN_SECRET, NOW_MS);

describe('browser session tokens (HS256 JWT)', () => {
  it('accepts a token minted as the README says, with the audience as a string or in a list', () => {
    expect(problem(mintSessionToken(claims()))).toBeUndefined();
    expect(problem(mintSessionToken(claims({ aud: ['other', 'voice-gateway'], sub: 'user-42', nbf: NOW_S - 5 })))).toBeUndefined();
    expect(problem(mintSessionToken(claims({ exp: NOW_S + MAX_SESSION_TOKEN_LIFETIME_S })))).toBeUndefined();
  });

  it('refuses each way a token can be wrong, saying which', () => {
    const cases: [string, RegExp][] = [
      ['not-a-jwt', /neither a device token nor a session token/],
      [mintSessionToken(claims(), 'another-secret-of-at-least-32-characters'), /not signed with WEBRTC_TOKEN_SECRET/],
      [mintSessionToken(claims({ exp: NOW_S })), /expired/],
      [mintSessionToken(claims({ exp: NOW_S + MAX_SESSION_TOKEN_LIFETIME_S + 1 })), /valid for more than 3600 s/],
      [mintSessionToken({ aud: 'voice-gateway' }), /no exp claim/],
      [mintSessionToken(claims({ exp: String(NOW_S + 300) })), /no exp claim/],
      [mintSessionToken(claims({ nbf: NOW_S + 60 })), /not valid yet/],
      [mintSessionToken(claims({ aud: 'another-service' })), /aud claim must be "voice-gateway"/],
      [mintSessionToken({ exp: NOW_S + 300 }), /aud claim/],
      // Correctly signed, but the header names another algorithm: refused, never reinterpreted.
      [mintSessionToken(claims(), TEST_TOKEN_SECRET, { alg: 'HS512' }), /not an HS256 JWT/],
    ];
    for (const [token, reason] of cases) expect(problem(token), token).toMatch(reason);
  });

  it('ignores an unsigned token whatever its header says', () => {
    const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${encode({ alg: 'none' })}.${encode(claims())}.`;
    expect(problem(unsigned)).toMatch(/not signed/);
    // A signature over the claims alone, or with the secret as the message, is no signature either.
    const payload = encode(claims());
    const wrong = createHmac('sha256', TEST_TOKEN_SECRET).update(payload).digest('base64url');
    expect(problem(`${encode({ alg: 'HS256' })}.${payload}.${wrong}`)).toMatch(/not signed/);
  });
});
