import { safeEqual } from '../safe-equal.ts';
import { sessionTokenProblem } from './session-token.ts';

export interface OfferAccessOptions {
  /** Device tokens (GATEWAY_TOKENS), accepted as they are. */
  tokens?: readonly string[];
  /** WEBRTC_TOKEN_SECRET: accept session tokens signed with it. */
  sessionTokenSecret?: string;
}

/**
 * Who may offer a browser call. With neither device tokens nor a session-token secret the edge
 * is open (the demo); with either, an offer needs `Authorization: Bearer` with a device token or
 * a valid session token. The returned check says why a bearer token is refused, or undefined.
 */
export function offerRefusal(opts: OfferAccessOptions): (token: string | undefined) => string | undefined {
  const tokens = opts.tokens ?? [];
  const secret = opts.sessionTokenSecret;
  if (tokens.length === 0 && !secret) return () => undefined;
  const accepted = secret ? 'a device token or a session token' : 'a device token (GATEWAY_TOKENS)';
  return (token) => {
    if (!token) return `POST /v1/webrtc needs Authorization: Bearer <token>, with ${accepted}`;
    if (tokens.some((t) => safeEqual(t, token))) return undefined;
    if (!secret) return 'the token is not a device token';
    return sessionTokenProblem(token, secret);
  };
}
