import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, VgError, type ErrorCode, type ErrorSpec } from '../../src/errors.ts';

const codes = Object.keys(ERRORS) as ErrorCode[];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(entry.name) ? [readFileSync(path, 'utf8')] : [];
  });
}

describe('error catalogue', () => {
  it.each(codes)('%s builds a coded error with its transport codes', (code) => {
    const err = new VgError(code, 'what exactly');
    expect(err.code).toBe(code);
    expect(err.message).toBe(`${ERRORS[code].message}: what exactly`);
    expect(new VgError(code).message).toBe(ERRORS[code].message);
    const spec: ErrorSpec = ERRORS[code];
    if (spec.httpStatus !== undefined) expect(spec.httpStatus).toBeGreaterThanOrEqual(400);
    if (spec.httpStatus !== undefined) expect(spec.httpStatus).toBeLessThan(600);
    // WebSocket close codes a server may send: 1000-1014 (RFC 6455 and IANA), or 4000-4999 (private use).
    if (spec.wsCloseCode !== undefined) expect(spec.wsCloseCode >= 4000 ? spec.wsCloseCode < 5000 : spec.wsCloseCode <= 1014).toBe(true);
  });

  it('has no code that nothing raises', () => {
    const code = [...sources('src'), ...sources('agents')].filter((text) => !text.includes('export const ERRORS')).join('\n');
    expect(codes.filter((c) => !code.includes(c))).toEqual([]);
  });
});
