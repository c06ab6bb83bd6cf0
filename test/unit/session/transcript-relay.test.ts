import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { ClientEvent, EdgeTransport } from '../../../src/edges/edge.ts';
import type { FactSink, SessionFacts } from '../../../src/observability/session-facts.ts';
import { NOT_TRANSCRIBED, TranscriptRelay } from '../../../src/session/transcript-relay.ts';

/** What the client and the call record are told. */
function relay() {
  const sent: ClientEvent[] = [];
  const finals: SessionFacts['transcriptFinal'][] = [];
  const edge = Object.assign(new EventEmitter(), { kind: 'kiosk', media: 'none', send: (e: ClientEvent) => sent.push(e) }) as unknown as EdgeTransport;
  const facts: FactSink = { publish: (name, fact) => { if (name === 'transcriptFinal') finals.push(fact as SessionFacts['transcriptFinal']); } };
  return { relay: new TranscriptRelay(edge, 'vs_1', facts), sent, finals };
}

const event = (e: object) => e as RealtimeServerEvent;

describe('transcript relay', () => {
  it('ends a caller\'s line whose transcription failed: with what was made out, or saying nothing was', () => {
    const { relay: r, sent, finals } = relay();
    r.handle(event({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'u1', content_index: 0, delta: 'My name' }));
    r.handle(event({ type: 'conversation.item.input_audio_transcription.failed', item_id: 'u1', content_index: 0, error: { type: 'transcription_error', message: 'x' } }));
    r.handle(event({ type: 'conversation.item.input_audio_transcription.failed', item_id: 'u2', content_index: 0, error: { type: 'transcription_error', message: 'x' } }));
    expect(sent.filter((e) => e.type === 'transcript' && e.final)).toEqual([
      { type: 'transcript', role: 'user', text: 'My name', final: true, item_id: 'u1' },
      { type: 'transcript', role: 'user', text: NOT_TRANSCRIBED, final: true, item_id: 'u2' },
    ]);
    expect(finals.map((f) => f.text)).toEqual(['My name', NOT_TRANSCRIBED]);
  });
});
