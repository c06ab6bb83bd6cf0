import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { RedisFleet } from '../../src/fleet/redis-fleet.ts';
import { FAST_TIMING, GREETING_SCRIPT } from '../helpers/gateway.ts';
import { startGatewayAt, type GatewayAt } from '../helpers/gateway-at.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

/** How one kiosk's attempt went: a session, or the limit (refused at the upgrade, or ended at the start). */
async function attempt(url: string): Promise<{ outcome: 'ready' | 'session_limit' | string; client?: KioskClient }> {
  let client: KioskClient;
  try {
    client = await KioskClient.connect(url);
  } catch (err) {
    return { outcome: (err as Error).message === 'HTTP 503' ? 'session_limit' : (err as Error).message };
  }
  // Promise.any: the one of the two that never comes is not left as an unhandled rejection.
  const first = await Promise.any([client.waitFor('session.ready'), client.waitFor('session.ended')]);
  if (first.type === 'session.ready') return { outcome: 'ready', client };
  client.close();
  return { outcome: first.reason };
}

describe('the fleet-wide session limit (FLEET_MAX_SESSIONS) across two gateways sharing Redis', () => {
  let emulator: RunningEmulator;
  const gateways: GatewayAt[] = [];
  const fleets: RedisFleet[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ script: GREETING_SCRIPT, timing: FAST_TIMING });
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    for (let i = 0; i < 2; i++) {
      const fleet = await RedisFleet.open({ url: inject('redisUrl'), prefix, ttlMs: 1_000, maxSessions: 2, log: pino({ level: 'silent' }) });
      fleets.push(fleet);
      gateways.push(await startGatewayAt(emulator.url, { fleet }));
    }
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    for (const fleet of fleets) await fleet.close();
    await emulator?.close();
  });

  it('a third session on either gateway is refused while two are live; one ends and there is room again', async () => {
    const [a, b] = gateways;
    const onA = await attempt(a.wsUrl);
    const onB = await attempt(b.wsUrl);
    expect([onA.outcome, onB.outcome]).toEqual(['ready', 'ready']);
    // Each gateway alone has room (MAX_SESSIONS 100): only the fleet is full.
    expect((await attempt(a.wsUrl)).outcome).toBe('session_limit');
    expect((await attempt(b.wsUrl)).outcome).toBe('session_limit');
    expect(a.app.sessions.size + b.app.sessions.size).toBe(2);

    onB.client?.close();
    // A sees the freed place at its next look at the fleet (each heartbeat).
    let next: Awaited<ReturnType<typeof attempt>> | undefined;
    await expect.poll(async () => {
      next = await attempt(a.wsUrl);
      return next.outcome;
    }, { timeout: 10_000, interval: 200 }).toBe('ready');
    next?.client?.close();
    onA.client?.close();
  });
});
