import { randomBytes } from 'node:crypto';

// Id formats observed on the live service (REALTIME_PROTOCOL.md §5.4): a prefix plus base62.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Rejection sampling keeps every character equally likely (248 = 4 * 62). */
export function base62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const newEventId = (): string => `event_${base62(21)}`;
export const newItemId = (): string => `item_${base62(21)}`;
export const newResponseId = (): string => `resp_${base62(21)}`;
export const newSessionId = (): string => `sess_${base62(21)}`;
export const newConversationId = (): string => `conv_${base62(21)}`;
export const newCallId = (): string => `call_${base62(16)}`;
