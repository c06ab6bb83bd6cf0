import type { FastifyContextConfig } from 'fastify';
import type {} from '@fastify/rate-limit';
import type { SessionRateLimit } from './edge.ts';

/** Route config that limits how many sessions one address opens (when @fastify/rate-limit is registered). */
export function sessionRateLimit(limit: SessionRateLimit | undefined): FastifyContextConfig {
  return limit ? { rateLimit: { max: limit.max, timeWindow: limit.timeWindowMs } } : {};
}
