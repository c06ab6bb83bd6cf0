import { describe, expect, it } from 'vitest';
import * as errors from '../../../src/emulator/protocol/errors.ts';
import { formatParam } from '../../../src/emulator/protocol/zod-issues.ts';

describe('protocol error builders', () => {
  it('list supported values in the service style', () => {
    expect(errors.quoteList(['a'])).toBe("'a'");
    expect(errors.quoteList(['a', 'b'])).toBe("'a' and 'b'");
    expect(errors.quoteList(['a', 'b', 'c'])).toBe("'a', 'b', and 'c'");
  });

  it('name the length bound a string or an array broke', () => {
    expect(errors.lengthError('string', 'session.instructions', 0, 1, 'below_min')).toMatchObject({
      code: 'string_below_min_length',
      param: 'session.instructions',
      message: "Invalid 'session.instructions': string too short. Expected a string with minimum length 1, but got a string with length 0 instead.",
    });
    expect(errors.lengthError('array', 'session.output_modalities', 2, 1, 'above_max')).toMatchObject({
      code: 'array_above_max_length',
      message: "Invalid 'session.output_modalities': array too long. Expected an array with maximum length 1, but got an array with length 2 instead.",
    });
  });

  it('always carry every field of the wire error, event_id null until the connection echoes it', () => {
    const all = [
      errors.invalidJson('x'), errors.binaryFrame(), errors.missingType(), errors.commitEmpty(12.345), errors.activeResponse('resp_1'),
      errors.cancelNotActive(), errors.cannotUpdateVoice(), errors.truncateInvalidItemId('item_1'), errors.truncateTooLong(10, 20),
      errors.sessionExpired(3_600_000), errors.unknownParameter('session.x'), errors.serverError(),
    ];
    for (const error of all) {
      expect(Object.keys(error)).toEqual(['type', 'code', 'message', 'param', 'event_id']);
      expect(error.event_id).toBeNull();
      expect(error.message.length).toBeGreaterThan(10);
    }
  });

  it('word the documented messages exactly', () => {
    expect(errors.commitEmpty(50).message).toBe('Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 50.00ms of audio.');
    expect(errors.commitEmpty(0).message).toContain('only has 0.00ms of audio');
    expect(errors.sessionExpired(3_600_000).message).toBe('Your session hit the maximum duration of 60 minutes.');
    expect(errors.outOfRange('session.audio.input.format.rate', 16000, 24000, 'below_min')).toMatchObject({
      code: 'integer_below_min_value',
      message: "Invalid 'session.audio.input.format.rate': integer below minimum value. Expected a value >= 24000, but got 16000 instead.",
    });
    expect(errors.outOfRange('x', 2.5, 1.5, 'above_max').code).toBe('decimal_above_max_value');
  });

  it('close handshake failures with <type>.<code> and the observed codes', () => {
    expect(errors.missingModel()).toMatchObject({ closeCode: 4000, closeReason: 'invalid_request_error.missing_model' });
    expect(errors.invalidModel('gpt-nope')).toMatchObject({ closeCode: 4000, closeReason: 'invalid_request_error.invalid_model' });
    expect(errors.invalidApiKey('sk-abcdefghijklmnop')).toMatchObject({ closeCode: 3000, closeReason: 'invalid_request_error.invalid_api_key' });
    expect(errors.invalidApiKey('sk-abcdefghijklmnop').error.message).not.toContain('abcdefghijkl');
    expect(errors.missingAuth()).toMatchObject({ closeCode: 3000, closeReason: 'invalid_request_error' });
    expect(errors.betaShapeDisabled()).toMatchObject({ closeCode: 4000, closeReason: 'invalid_request_error.beta_api_shape_disabled' });
  });

  it('formats parameter paths like the service', () => {
    expect(formatParam(['session', 'tools', 0, 'name'])).toBe('session.tools[0].name');
    expect(formatParam(['item', 'content', 2, 'type'])).toBe('item.content[2].type');
    expect(formatParam([])).toBe('');
  });
});
