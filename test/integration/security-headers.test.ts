import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** A CSP header as directive → sources. */
function directives(csp: string | null): Map<string, string[]> {
  const parsed = (csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]);
  return new Map(parsed.map(([name = '', ...sources]) => [name, sources]));
}

describe('security headers', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('serves the page with a strict CSP, nosniff, no referrer and no framing', async () => {
    const page = await fetch(`${gw.httpUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const csp = directives(page.headers.get('content-security-policy'));
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    // A page on a plain-HTTP LAN address must not have its modules sent to https.
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
  });

  it('sends them on the scripts and on API answers too', async () => {
    for (const path of ['/app.js', '/js/call.js', '/healthz', '/no-such-page']) {
      const res = await fetch(`${gw.httpUrl}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'self'");
    }
  });
});
