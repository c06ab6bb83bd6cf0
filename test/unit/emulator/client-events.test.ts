import { describe, expect, it } from 'vitest';
import { clientEventId, parseClientEvent } from '../../../src/emulator/protocol/client-events.ts';

const errorOf = (raw: unknown) => {
  const parsed = parseClientEvent(raw);
  if (parsed.ok) throw new Error('expected a refusal');
  return parsed.error;
};

describe('client event envelopes', () => {
  it('parses every supported type', () => {
    const events = [
      { type: 'session.update', session: {} },
      { type: 'input_audio_buffer.append', audio: '' },
      { type: 'input_audio_buffer.commit', event_id: 'c' },
      { type: 'input_audio_buffer.clear' },
      { type: 'conversation.item.create', item: {}, previous_item_id: 'root' },
      { type: 'conversation.item.truncate', item_id: 'i', content_index: 0, audio_end_ms: 100 },
      { type: 'conversation.item.delete', item_id: 'i' },
      { type: 'conversation.item.retrieve', item_id: 'i' },
      { type: 'response.create' },
      { type: 'response.cancel', response_id: 'r' },
    ];
    for (const event of events) expect(parseClientEvent(event).ok).toBe(true);
  });

  it('refuses envelopes with the documented errors', () => {
    expect(errorOf({})).toMatchObject({ code: 'invalid_event', message: "The 'type' field is missing." });
    expect(errorOf([])).toMatchObject({ code: 'invalid_event' });
    expect(errorOf({ type: 3 })).toMatchObject({ code: 'invalid_type', param: 'type' });
    expect(errorOf({ type: 'transcription_session.update' })).toMatchObject({ code: 'invalid_value', param: 'type' });
    expect(errorOf({ type: 'output_audio_buffer.clear' }).message).toMatch(/^Invalid value: 'output_audio_buffer.clear'\. Supported values are: 'session.update'/);
    expect(errorOf({ type: 'input_audio_buffer.append' })).toMatchObject({ code: 'missing_required_parameter', param: 'audio' });
    expect(errorOf({ type: 'input_audio_buffer.commit', extra: 1 })).toMatchObject({ code: 'unknown_parameter', param: 'extra' });
    expect(errorOf({ type: 'conversation.item.truncate', item_id: 'i', content_index: -1, audio_end_ms: 0 })).toMatchObject({ code: 'integer_below_min_value', param: 'content_index' });
    expect(errorOf({ type: 'conversation.item.truncate', item_id: 'i', content_index: 0, audio_end_ms: 1.5 })).toMatchObject({ param: 'audio_end_ms' });
  });

  it('finds the client event_id to echo, when it is a string', () => {
    expect(clientEventId({ event_id: 'e1' })).toBe('e1');
    expect(clientEventId({ event_id: 1 })).toBeNull();
    expect(clientEventId('x')).toBeNull();
  });
});
