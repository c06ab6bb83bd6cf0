import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { VgError } from '../errors.ts';
import type { Fleet } from './fleet.ts';
import { LocalFleet } from './local-fleet.ts';
import { RedisFleet } from './redis-fleet.ts';

/**
 * The fleet this gateway joins: Redis's with REDIS_URL, else a fleet of one. A Redis that does not
 * answer stops the start: a replica that cannot see the others would act on webhooks twice.
 */
export async function openFleet(config: Config, log: Logger): Promise<Fleet> {
  if (!config.redisUrl) return new LocalFleet();
  try {
    return await RedisFleet.open({ url: config.redisUrl, log, maxSessions: config.fleetMaxSessions, ttlMs: config.fleetTtlMs });
  } catch (err) {
    throw new VgError('VG_ERR_CONFIG', `REDIS_URL=${withoutPassword(config.redisUrl)} does not answer (${(err as Error).message})`, { cause: err });
  }
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
