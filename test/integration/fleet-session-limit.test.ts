import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayAt } from '../helpers/gateway-at.ts';
import { startFleetGateways, type FleetGateways } from '../helpers/fleet-gateways.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

/**
 * How one kiosk's attempt went: a session, or a refusal with the error code the device was given,
 * either at the upgrade (an HTTP answer) or just after it (an `error` event, then `session.ended`).
 */
type Attempt =
  | { outcome: 'ready'; client: KioskClient }
  | { outcome: 'refused_at_upgrade' | 'ended_at_start'; code: string; reason?: string };

async function attempt(url: string): Promise<Attempt> {
  const ws = new WebSocket(url);
  const client = KioskClient.listen(ws);
  const opened = await new Promise<{ status: number; body: string } | undefined>((resolve, reject) => {
    ws.once('open', () => resolve(undefined));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
  if (opened) {
    expect(opened.status).toBe(503);
    return { outcome: 'refused_at_upgrade', code: (JSON.parse(opened.body) as { error: { code: string } }).error.code };
  }
  // Promise.any: the one of the two that never comes is not left as an unhandled rejection.
  const first = await Promise.any([client.waitFor('session.ready'), client.waitFor('session.ended')]);
  if (first.type === 'session.ready') return { outcome: 'ready', client };
  client.close();
  const error = client.events.find((e) => e.type === 'error');
  return { outcome: 'ended_at_start', code: error?.type === 'error' ? error.code : 'none', reason: first.reason };
}

const refusals = [
  { outcome: 'refused_at_upgrade', code: 'VG_ERR_SESSION_LIMIT' },
  { outcome: 'ended_at_start', code: 'VG_ERR_SESSION_LIMIT', reason: 'session_limit' },
];

describe('the fleet-wide session limit (FLEET_MAX_SESSIONS) across two gateways sharing Redis', () => {
  let fleet: FleetGateways;
  let gateways: GatewayAt[];

  beforeAll(async () => {
    fleet = await startFleetGateways(2, { maxSessions: 2 });
    gateways = fleet.gateways;
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('a third session on either gateway is refused with VG_ERR_SESSION_LIMIT while two are live; one ends and there is room again', async () => {
    const [a, b] = gateways;
    const onA = await attempt(a.wsUrl);
    const onB = await attempt(b.wsUrl);
    expect([onA.outcome, onB.outcome]).toEqual(['ready', 'ready']);
    // Each gateway alone has room (MAX_SESSIONS 100): only the fleet is full. B took the last
    // place, so it knows at once (a refusal at the upgrade); A learns it from Redis on the claim
    // (or at its next beat) and ends the start with the same code.
    const overOnA = await attempt(a.wsUrl);
    const overOnB = await attempt(b.wsUrl);
    expect(refusals).toContainEqual(overOnA);
    expect(overOnB).toEqual({ outcome: 'refused_at_upgrade', code: 'VG_ERR_SESSION_LIMIT' });
    expect(a.app.sessions.size + b.app.sessions.size).toBe(2);

    if (onB.outcome === 'ready') onB.client.close();
    // A sees the freed place on its next claim (B released it in Redis), or at its next beat.
    let next: Attempt | undefined;
    await expect.poll(async () => {
      next = await attempt(a.wsUrl);
      return next.outcome;
    }, { timeout: 10_000, interval: 200 }).toBe('ready');
    if (next?.outcome === 'ready') next.client.close();
    if (onA.outcome === 'ready') onA.client.close();
  });
});
