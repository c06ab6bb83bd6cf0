import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { placeholderTranscript, Responder } from '../../../src/emulator/responder/responder.ts';
import { validateScript } from '../../../src/emulator/responder/script.ts';

const logger = pino({ level: 'silent' });
const script = validateScript(
  {
    turns: [
      { responses: [[{ say: 'Welcome.' }]] },
      { user: 'My name is Jane.', responses: [[{ say: 'Thanks, Jane.' }, { call: 'save_name', arguments: { name: 'Jane' } }], [{ say: 'Saved.' }]] },
      { responses: [[{ say: 'New agent here.' }]] },
      { user: 'Bye.', responses: [[{ say: 'Goodbye.' }]] },
    ],
  },
  'test',
);
const audio = { kind: 'audio' as const, durationMs: 1800 };

describe('Responder', () => {
  it('walks the script: greeting, user turn, follow-up after the tool, next greeting, next user turn', () => {
    const r = new Responder(script, logger);
    expect(r.respond()).toEqual([{ say: 'Welcome.' }]);
    expect(r.userInput(audio)).toBe('My name is Jane.');
    expect(r.respond()).toEqual([{ say: 'Thanks, Jane.' }, { call: 'save_name', arguments: { name: 'Jane' } }]);
    expect(r.respond()).toEqual([{ say: 'Saved.' }]);
    expect(r.respond()).toEqual([{ say: 'New agent here.' }]);
    expect(r.userInput({ kind: 'text', text: 'bye' })).toBe('Bye.');
    expect(r.respond()).toEqual([{ say: 'Goodbye.' }]);
  });

  it('follows a conversation replayed as items: what the model already said or called is not done again', () => {
    const r = new Responder(script, logger);
    r.replayed({ kind: 'say' }); // the greeting
    expect(r.userInput({ kind: 'text', text: 'My name is Jane.' })).toBe('My name is Jane.');
    r.replayed({ kind: 'say' });
    r.replayed({ kind: 'call', name: 'save_name' });
    // The tool's output came back: the script goes on after the call.
    expect(r.respond()).toEqual([{ say: 'Saved.' }]);
    expect(r.respond()).toEqual([{ say: 'New agent here.' }]);
  });

  it('falls back to the default responder when the script is exhausted or silent', () => {
    const r = new Responder(validateScript({ turns: [{ user: 'Hi.', responses: [[{ say: 'Hello.' }]] }] }, 't'), logger);
    expect(r.userInput(audio)).toBe('Hi.');
    expect(r.respond()).toEqual([{ say: 'Hello.' }]);
    expect(r.respond()).toEqual([{ say: 'Hello! How can I help you?' }]);
    expect(r.userInput(audio)).toBe(placeholderTranscript(1800));
    expect(r.respond()).toEqual([{ say: 'I heard about 2 seconds of speech.' }]);
  });

  it('answers unscripted input by default and keeps the greeting for a later response.create', () => {
    const r = new Responder(script, logger);
    expect(r.userInput({ kind: 'text', text: 'Hello?' })).toBe('Hello?');
    expect(r.respond()).toEqual([{ say: 'You said: Hello?' }]);
    expect(r.respond()).toEqual([{ say: 'Welcome.' }]);
  });

  it('drops the rest of a turn when the user speaks again', () => {
    const r = new Responder(script, logger);
    r.respond();
    r.userInput(audio);
    r.respond();
    expect(r.userInput(audio)).toBe(placeholderTranscript(1800));
    expect(r.respond()).toEqual([{ say: 'I heard about 2 seconds of speech.' }]);
  });

  it('without a script: placeholder transcripts, short replies, never a tool call', () => {
    const r = new Responder(undefined, logger);
    expect(r.respond()).toEqual([{ say: 'Hello! How can I help you?' }]);
    expect(r.userInput({ kind: 'audio', durationMs: 950 })).toBe('[emulator: 0.9 s of unscripted speech]');
    expect(r.respond()).toEqual([{ say: 'I heard about 1 second of speech.' }]);
    expect(Responder.unscripted('idle')).toEqual([{ say: 'Are you still there?' }]);
  });
});
