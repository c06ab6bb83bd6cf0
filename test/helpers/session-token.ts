// Mints browser session tokens the way a deployment's backend would (README, "Access"): an HS256
// JWT by hand, independent of the gateway's verifier.
import { createHmac } from 'node:crypto';

export const TEST_TOKEN_SECRET = 'test-secret-of-at-least-32-characters!';

export function mintSessionToken(
  claims: Record<string, unknown> = { aud: 'voice-gateway', exp: Math.floor(Date.now() / 1000) + 300 },
  secret = TEST_TOKEN_SECRET,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${encode(header)}.${encode(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}
