import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FactHub } from '../../../src/observability/session-facts.ts';

describe('FactHub', () => {
  const ended = { sessionId: 'vs_1', edge: 'kiosk', reason: 'hangup', durationMs: 10 };

  it('hands each fact to every listener of it, in order, until a listener stops listening', () => {
    const hub = new FactHub(pino({ level: 'silent' }));
    const seen: string[] = [];
    const stopA = hub.listen({ sessionEnded: (f) => seen.push(`a:${f.reason}`) });
    hub.listen({ sessionEnded: (f) => seen.push(`b:${f.reason}`), bargeIn: () => seen.push('b:barge') });
    hub.publish('sessionEnded', ended);
    stopA();
    hub.publish('sessionEnded', { ...ended, reason: 'client_closed' });
    expect(seen).toEqual(['a:hangup', 'b:hangup', 'b:client_closed']);
  });

  it('logs a listener that throws, without the fact, and still reaches the others', () => {
    const lines: string[] = [];
    const hub = new FactHub(pino({ level: 'error' }, { write: (line: string) => lines.push(line) }));
    const seen: string[] = [];
    hub.listen({ transcriptFinal: () => { throw new Error('disk full'); } });
    hub.listen({ transcriptFinal: (f) => seen.push(f.itemId) });
    expect(() => hub.publish('transcriptFinal', { sessionId: 'vs_1', role: 'user', itemId: 'item_1', text: 'my card number is 4242' })).not.toThrow();
    expect(seen).toEqual(['item_1']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('disk full');
    expect(lines[0]).toContain('transcriptFinal');
    expect(lines[0]).not.toContain('4242');
  });
});
