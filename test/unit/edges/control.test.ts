import { describe, expect, it } from 'vitest';
import { MAX_CONTROL_BYTES, parseControl } from '../../../src/edges/control.ts';

describe('parseControl', () => {
  it('accepts every message of the device protocol', () => {
    for (const message of [
      { type: 'ptt.start' }, { type: 'ptt.stop' }, { type: 'input_text', text: 'hello' },
      { type: 'mode', mode: 'ptt' }, { type: 'mode', mode: 'vad' }, { type: 'playback', played_ms: 1234.5 },
      { type: 'playback', played_ms: 80, epoch: 3 }, { type: 'hangup' }, { type: 'dtmf', digit: '#' },
    ]) {
      expect(parseControl(JSON.stringify(message))).toEqual({ ok: true, message });
    }
  });

  it.each([
    ['not json', /not valid JSON/],
    ['{}', /missing 'type'; expected one of ptt.start, ptt.stop/],
    ['{"type":"dance"}', /unknown type "dance"/],
    ['{"type":"mode","mode":"loud"}', /'mode':.*"vad"\|"ptt"/],
    ['{"type":"playback","played_ms":-5}', /'played_ms'/],
    ['{"type":"playback"}', /'played_ms'/],
    ['{"type":"playback","played_ms":5,"epoch":1.5}', /'epoch'/],
    ['{"type":"playback","played_ms":5,"epoch":-1}', /'epoch'/],
    ['{"type":"playback","played_ms":5,"epoch":"2"}', /'epoch'/],
    ['{"type":"input_text","text":"   "}', /'text'/],
    ['{"type":"dtmf","digit":"12"}', /'digit': is not one keypad key/],
  ])('rejects %s with a reason', (text, reason) => {
    const parsed = parseControl(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(reason);
  });

  it('rejects oversized messages before parsing them', () => {
    const parsed = parseControl(JSON.stringify({ type: 'input_text', text: 'x'.repeat(MAX_CONTROL_BYTES) }));
    expect(parsed).toEqual({ ok: false, error: expect.stringMatching(/exceeds/) });
  });
});
