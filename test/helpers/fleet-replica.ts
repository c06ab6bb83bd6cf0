// A replica that only joins the fleet: owns the ids given on the command line, says "ready" and
// waits to be killed (a replica that dies without leaving). argv: redisUrl prefix ttlMs id...
import pino from 'pino';
import { RedisFleet } from '../../src/fleet/redis-fleet.ts';

const [url, prefix, ttl, ...ids] = process.argv.slice(2);
const fleet = await RedisFleet.open({ url, prefix, ttlMs: Number(ttl), maxSessions: 10, log: pino({ level: 'silent' }) });
for (const id of ids) {
  if (!(await fleet.claimPlace(id))) throw new Error(`no place for ${id}`);
  fleet.own(id, { kind: 'session', edge: 'kiosk', startedAt: 1_000 });
}
fleet.serve('echo', async (id) => ({ status: 200, body: { id } }));
// own() is sent without waiting: an owner lookup answers only once it has landed.
await fleet.ownerOf(ids[0] ?? '');
console.log(`ready ${fleet.replicaId}`);
setInterval(() => {}, 60_000);
