import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { inject } from 'vitest';
import type { Config } from '../../src/config.ts';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { RedisFleet } from '../../src/fleet/redis-fleet.ts';
import { FAST_TIMING, GREETING_SCRIPT } from './gateway.ts';
import { startGatewayAt, type GatewayAt } from './gateway-at.ts';

export interface FleetGateways {
  emulator: RunningEmulator;
  gateways: GatewayAt[];
  close(): Promise<void>;
}

/** `count` gateways in one process sharing the test run's Redis (a prefix of their own), against one emulator that greets. */
export async function startFleetGateways(count: number, opts: { maxSessions?: number; config?: Partial<Config> } = {}): Promise<FleetGateways> {
  const emulator = await startEmulator({ script: GREETING_SCRIPT, timing: FAST_TIMING });
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  const fleets: RedisFleet[] = [];
  const gateways: GatewayAt[] = [];
  for (let i = 0; i < count; i++) {
    const fleet = await RedisFleet.open({ url: inject('redisUrl'), prefix, ttlMs: 1_000, maxSessions: opts.maxSessions, log: pino({ level: 'silent' }) });
    fleets.push(fleet);
    gateways.push(await startGatewayAt(emulator.url, { fleet, config: opts.config }));
  }
  return {
    emulator,
    gateways,
    close: async () => {
      await Promise.all(gateways.map((g) => g.close()));
      await Promise.all(fleets.map((f) => f.close()));
      await emulator.close();
    },
  };
}
