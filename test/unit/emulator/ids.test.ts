import { describe, expect, it } from 'vitest';
import { base62, newCallId, newConversationId, newEventId, newItemId, newResponseId, newSessionId } from '../../../src/emulator/ids.ts';

describe('ids', () => {
  it('follow the observed formats', () => {
    expect(newEventId()).toMatch(/^event_[0-9A-Za-z]{21}$/);
    expect(newItemId()).toMatch(/^item_[0-9A-Za-z]{21}$/);
    expect(newResponseId()).toMatch(/^resp_[0-9A-Za-z]{21}$/);
    expect(newSessionId()).toMatch(/^sess_[0-9A-Za-z]{21}$/);
    expect(newConversationId()).toMatch(/^conv_[0-9A-Za-z]{21}$/);
    expect(newCallId()).toMatch(/^call_[0-9A-Za-z]{16}$/);
  });

  it('are unique and use the whole alphabet', () => {
    const ids = new Set(Array.from({ length: 5000 }, newEventId));
    expect(ids.size).toBe(5000);
    const chars = new Set(base62(20_000));
    expect(chars.size).toBe(62);
  });
});
