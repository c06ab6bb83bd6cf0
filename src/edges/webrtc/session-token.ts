import { createHmac } from 'node:crypto';
import { safeEqual } from '../safe-equal.ts';

/**
 * Session tokens for the browser edge: a JWT (RFC 7519) signed with HS256 under
 * WEBRTC_TOKEN_SECRET, minted by the deployment's own backend for its page, so the page never
 * holds a long-lived device token. Claims: `aud` must be (or include) SESSION_TOKEN_AUDIENCE,
 * `exp` is required and at most MAX_SESSION_TOKEN_LIFETIME_S ahead, `nbf` is honoured.
 */
export const SESSION_TOKEN_AUDIENCE = 'voice-gateway';
/** A token valid for longer than this is refused: these tokens travel in page links. */
export const MAX_SESSION_TOKEN_LIFETIME_S = 3_600;

/** Why `token` is not a valid session token under `secret`, or undefined when it is one. */
export function sessionTokenProblem(token: string, secret: string, nowMs: number = Date.now()): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return 'the token is neither a device token nor a session token (a JWT)';
  const [header, payload, signature] = parts;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  // The algorithm is fixed here, not read from the token: a header saying "none" changes nothing.
  if (!safeEqual(signature, expected)) return 'the session token is not signed with WEBRTC_TOKEN_SECRET (HS256)';
  const claims = decodeJson(payload);
  if (decodeJson(header)?.alg !== 'HS256' || !claims) return 'the session token is not an HS256 JWT';
  const nowS = nowMs / 1000;
  const { exp, nbf, aud } = claims;
  if (typeof exp !== 'number') return 'the session token has no exp claim';
  if (exp <= nowS) return 'the session token has expired';
  if (exp - nowS > MAX_SESSION_TOKEN_LIFETIME_S) return `the session token is valid for more than ${MAX_SESSION_TOKEN_LIFETIME_S} s`;
  if (typeof nbf === 'number' && nbf > nowS) return 'the session token is not valid yet (nbf)';
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(SESSION_TOKEN_AUDIENCE)) return `the session token's aud claim must be "${SESSION_TOKEN_AUDIENCE}"`;
  return undefined;
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
