import { describe, expect, it } from 'vitest';
import { checkServerEvent } from '../../../src/session/server-event-check.ts';

describe('backend events checked where they enter', () => {
  it('takes a SIP caller\'s keypad key, and drops anything that is not one key, saying why', () => {
    expect(checkServerEvent({ type: 'input_audio_buffer.dtmf_event_received', event: '#', received_at: 1 })).toMatchObject({ ok: true });
    expect(checkServerEvent({ type: 'input_audio_buffer.dtmf_event_received', event: '12', received_at: 1 })).toEqual({
      ok: false, problem: "input_audio_buffer.dtmf_event_received: 'event' is not one keypad key",
    });
    expect(checkServerEvent({ type: 'input_audio_buffer.dtmf_event_received' })).toMatchObject({ ok: false, problem: expect.stringContaining("'event'") });
  });

  it('ignores an event the session does not read, and refuses what is not an event', () => {
    expect(checkServerEvent({ type: 'rate_limits.updated', rate_limits: [] })).toEqual({ ok: false, ignored: true });
    expect(checkServerEvent('text')).toEqual({ ok: false, problem: 'not a JSON object' });
    expect(checkServerEvent({ kind: 'x' })).toEqual({ ok: false, problem: "no string 'type'" });
  });
});
