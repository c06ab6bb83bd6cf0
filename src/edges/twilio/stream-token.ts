import { createHmac } from 'node:crypto';
import { safeEqual } from '../safe-equal.ts';

/** Twilio opens the stream within a second or two of our TwiML; a token older than this is stale. */
export const TOKEN_TTL_MS = 60_000;

/** What the signed webhook said about a call, carried to its stream as `<Parameter>`s. */
export interface CallParameters {
  callSid: string;
  from: string;
  to: string;
}

export type TokenCheck = { ok: true } | { ok: false; reason: string };

/**
 * Short-lived stream tokens. Twilio signs the stream's upgrade over its URL alone, which is the
 * same for every call, so a captured upgrade could be replayed; and the caller's numbers arrive in
 * the stream's `start` message, which nothing signs. The webhook (signed over its parameters)
 * mints a token over the call's numbers; the stream must present it within a minute, for the same
 * call. That it is presented once is the fleet's to remember (phone-twilio.ts), since a replay may
 * reach any replica.
 */
export class StreamTokens {
  readonly #key: Buffer;

  constructor(authToken: string) {
    // A key of its own, so a token is never a signature Twilio would also accept.
    this.#key = createHmac('sha256', authToken).update('voice-gateway stream token').digest();
  }

  mint(call: CallParameters, nowMs = Date.now()): string {
    const expires = nowMs + TOKEN_TTL_MS;
    return `${expires}.${this.#mac(call, expires)}`;
  }

  /** Checks a token is this call's and still fresh. */
  verify(token: string | undefined, call: CallParameters, nowMs = Date.now()): TokenCheck {
    const [expiresText, mac] = (token ?? '').split('.');
    const expires = Number(expiresText);
    if (!mac || !Number.isSafeInteger(expires)) return { ok: false, reason: 'no stream token' };
    if (!safeEqual(mac, this.#mac(call, expires))) return { ok: false, reason: 'stream token does not match this call' };
    if (expires < nowMs) return { ok: false, reason: 'stream token expired' };
    return { ok: true };
  }

  #mac(call: CallParameters, expires: number): string {
    return createHmac('sha256', this.#key).update(`${call.callSid}\n${call.from}\n${call.to}\n${expires}`).digest('base64url');
  }
}
