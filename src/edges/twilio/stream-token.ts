import { createHmac } from 'node:crypto';
import { safeEqual } from '../safe-equal.ts';

/** Twilio opens the stream within a second or two of our TwiML; a token older than this is stale. */
export const TOKEN_TTL_MS = 60_000;
/** Calls whose token was used, kept until the token expires (one entry per call in the last minute). */
const MAX_REMEMBERED = 100_000;

/** What the signed webhook said about a call, carried to its stream as `<Parameter>`s. */
export interface CallParameters {
  callSid: string;
  from: string;
  to: string;
}

export type TokenCheck = { ok: true } | { ok: false; reason: string };

/**
 * Single-use, short-lived stream tokens. Twilio signs the stream's upgrade over its URL alone,
 * which is the same for every call, so a captured upgrade could be replayed; and the caller's
 * numbers arrive in the stream's `start` message, which nothing signs. The webhook (signed over
 * its parameters) mints a token over the call's numbers; the stream must present it, once,
 * within a minute, for the same call. This replica remembers the calls it took; replicas sharing
 * a fleet also ask it (phone-twilio.ts), since a replay may reach any of them.
 */
export class StreamTokens {
  readonly #key: Buffer;
  readonly #used = new Map<string, number>();

  constructor(authToken: string) {
    // A key of its own, so a token is never a signature Twilio would also accept.
    this.#key = createHmac('sha256', authToken).update('voice-gateway stream token').digest();
  }

  mint(call: CallParameters, nowMs = Date.now()): string {
    const expires = nowMs + TOKEN_TTL_MS;
    return `${expires}.${this.#mac(call, expires)}`;
  }

  /** Checks and consumes a token. */
  redeem(token: string | undefined, call: CallParameters, nowMs = Date.now()): TokenCheck {
    const [expiresText, mac] = (token ?? '').split('.');
    const expires = Number(expiresText);
    if (!mac || !Number.isSafeInteger(expires)) return { ok: false, reason: 'no stream token' };
    if (!safeEqual(mac, this.#mac(call, expires))) return { ok: false, reason: 'stream token does not match this call' };
    if (expires < nowMs) return { ok: false, reason: 'stream token expired' };
    this.#forgetExpired(nowMs);
    if (this.#used.has(call.callSid)) return { ok: false, reason: 'stream token already used' };
    if (this.#used.size >= MAX_REMEMBERED) return { ok: false, reason: 'too many new calls at once' };
    this.#used.set(call.callSid, expires);
    return { ok: true };
  }

  #mac(call: CallParameters, expires: number): string {
    return createHmac('sha256', this.#key).update(`${call.callSid}\n${call.from}\n${call.to}\n${expires}`).digest('base64url');
  }

  #forgetExpired(nowMs: number): void {
    // Insertion order is about expiry order (the TTL is fixed), so the expired ones are at the
    // front; one redeemed out of order waits for a later pass.
    for (const [callSid, expires] of this.#used) {
      if (expires >= nowMs) break;
      this.#used.delete(callSid);
    }
  }
}
