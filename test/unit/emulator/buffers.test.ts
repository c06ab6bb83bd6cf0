import { describe, expect, it } from 'vitest';
import { Conversation } from '../../../src/emulator/conversation.ts';
import { InputAudioBuffer } from '../../../src/emulator/input-buffer.ts';
import type { Item } from '../../../src/emulator/protocol/items.ts';
import { argumentPieces } from '../../../src/emulator/response/runner.ts';
import { words } from '../../../src/emulator/response/speech-stream.ts';

const message = (id: string): Item => ({ id, type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_text', text: id }] });

describe('InputAudioBuffer', () => {
  it('measures the buffer and the session timeline in the format bytes/ms', () => {
    const buffer = new InputAudioBuffer({ type: 'audio/pcm', rate: 24000 });
    buffer.append(Buffer.alloc(4800));
    expect(buffer.bufferedMs).toBe(100);
    const taken = buffer.take(60);
    expect(taken).toMatchObject({ startMs: 0, endMs: 60 });
    expect(taken.audio.byteLength).toBe(60 * 48);
    expect(buffer.bufferedMs).toBe(40);
    buffer.clear();
    expect(buffer.bufferedMs).toBe(0);
    expect(buffer.timelineMs).toBe(100);
    buffer.setFormat({ type: 'audio/pcmu' });
    buffer.append(Buffer.alloc(800));
    expect(buffer.bufferedMs).toBe(100);
    expect(buffer.timelineMs).toBe(200);
  });
});

describe('Conversation', () => {
  it('inserts at the end, at the root and after an item, reporting the predecessor', () => {
    const c = new Conversation();
    expect(c.insert(message('a'))).toBeNull();
    expect(c.insert(message('b'))).toBe('a');
    expect(c.insert(message('z'), null)).toBeNull();
    expect(c.insert(message('a2'), 'a')).toBe('a');
    expect(c.items.map((i) => i.id)).toEqual(['z', 'a', 'a2', 'b']);
    expect(c.previousId('b')).toBe('a2');
    expect(c.delete('a2')).toBe(true);
    expect(c.delete('a2')).toBe(false);
  });

  it('truncates assistant audio to the heard ms and drops its transcript', () => {
    const c = new Conversation();
    const item: Item = { id: 'x', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_audio', audio: Buffer.alloc(9600), transcript: 'Hello there' }] };
    c.insert(item);
    c.addDeliveredAudio('x', 200, 9600);
    expect(c.hasAssistantAudio()).toBe(true);
    c.truncateAudio('x', 0, 50);
    expect(item.content[0]).toMatchObject({ transcript: '' });
    expect(item.type === 'message' && item.content[0].type === 'output_audio' ? item.content[0].audio?.byteLength : -1).toBe(2400);
    expect(c.deliveredMs('x')).toBe(50);
  });
});

describe('streaming pieces', () => {
  it('splits transcripts into word deltas that join back exactly', () => {
    expect(words('Hello there, Jane.', false)).toEqual(['Hello', ' there,', ' Jane.']);
    expect(words('Next one.', true)).toEqual([' Next', ' one.']);
  });

  it('splits function arguments into deltas that join back exactly', () => {
    const args = JSON.stringify({ city: 'San Francisco', unit: 'celsius', days: 3 });
    const pieces = argumentPieces(args);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(args);
    expect(argumentPieces('{}')).toEqual(['{}']);
  });
});
