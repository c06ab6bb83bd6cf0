import { describe, expect, it } from 'vitest';
import { redactUrlCredentials } from '../../../src/observability/redact-url.ts';

describe('redactUrlCredentials', () => {
  it('replaces the token in a query and keeps everything else', () => {
    expect(redactUrlCredentials('/v1/ws?token=s3cret')).toBe('/v1/ws?token=[redacted]');
    expect(redactUrlCredentials('/v1/ws?mode=ptt&token=s3cret&x=1')).toBe('/v1/ws?mode=ptt&token=[redacted]&x=1');
    expect(redactUrlCredentials('/v1/ws?token=a&token=b')).toBe('/v1/ws?token=[redacted]&token=[redacted]');
    expect(redactUrlCredentials('/healthz')).toBe('/healthz');
    expect(redactUrlCredentials('/v1/ws?tokens=1&mytoken=2')).toBe('/v1/ws?tokens=1&mytoken=2');
  });

  it('catches the spellings the query parser reads as token', () => {
    expect(redactUrlCredentials('/v1/ws?%74oken=s3cret')).toBe('/v1/ws?%74oken=[redacted]');
    expect(redactUrlCredentials('/v1/ws?TOKEN=s3cret')).toBe('/v1/ws?TOKEN=[redacted]');
    expect(redactUrlCredentials('/v1/ws?a=b?token=s3cret')).toBe('/v1/ws?a=b?token=[redacted]');
    expect(redactUrlCredentials('/v1/ws?%E0%A4%A=1&token=s3cret')).toBe('/v1/ws?%E0%A4%A=1&token=[redacted]');
  });

  it('redacts a URL quoted inside a message', () => {
    expect(redactUrlCredentials('Route GET:/v1/nope?token=s3cret not found')).toBe('Route GET:/v1/nope?token=[redacted] not found');
    expect(redactUrlCredentials('a = b, no query here')).toBe('a = b, no query here');
  });
});
