// Three gateway processes behind HAProxy, sharing a throwaway Redis and a PostgreSQL database for
// records, against one emulator: what a deployment of replicas must get right.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import type { PlacedCall } from '../../src/emulator/sip/place-call.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { startReplica, type ReplicaProcess } from '../helpers/replica-process.ts';
import { freePort } from '../helpers/free-port.ts';
import { startHaproxy, type LoadBalancer } from '../helpers/haproxy.ts';
import { startRedis } from '../helpers/redis-server.ts';
import { WebrtcTestClient } from '../helpers/webrtc-client.ts';
import { FAST_TIMING, GREETING_SCRIPT } from '../helpers/gateway.ts';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const ADMIN_TOKEN = randomBytes(16).toString('hex');
const TTL_MS = 1_500;
const SESSIONS_PER_MINUTE = 10;

interface Call {
  client: KioskClient;
  sessionId: string;
  owner: string;
}

describe('replicas behind a load balancer, sharing Redis and PostgreSQL', () => {
  let redisServer: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  let emulator: RunningEmulator;
  let database: string;
  const replicas: ReplicaProcess[] = [];
  let lb: LoadBalancer;
  const calls: Call[] = [];
  const webrtc: WebrtcTestClient[] = [];
  let sipCall: PlacedCall;

  const admin = async <T>(run: (client: pg.Client) => Promise<T>, url = inject('databaseUrl')): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };
  const owner = (id: string) => redis.get(`vg:dir:${id}`);
  const replica = (replicaId: string) => replicas.find((r) => r.replicaId === replicaId)!;

  beforeAll(async () => {
    redisServer = await startRedis();
    redis = new Redis(redisServer.url);
    database = `vg_fleet_${randomBytes(4).toString('hex')}`;
    await admin((c) => c.query(`CREATE DATABASE ${database}`));
    const dbUrl = new URL(inject('databaseUrl'));
    dbUrl.pathname = `/${database}`;
    emulator = await startEmulator({ script: GREETING_SCRIPT, timing: FAST_TIMING });
    const env = {
      REDIS_URL: redisServer.url,
      FLEET_TTL_MS: String(TTL_MS),
      DATABASE_URL: dbUrl.toString(),
      ADMIN_TOKEN,
      REALTIME_URL: emulator.url,
      OPENAI_BASE_URL: emulator.restUrl,
      OPENAI_WEBHOOK_SECRET: SECRET,
      SESSIONS_PER_MINUTE: String(SESSIONS_PER_MINUTE),
      DEVICE_PENALTY_S: '0',
    };
    replicas.push(...(await Promise.all([startReplica(env), startReplica(env), startReplica(env)])));
    lb = await startHaproxy(replicas.map((r) => r.port));
  }, 150_000);

  afterAll(async () => {
    for (const call of calls) call.client.close();
    for (const client of webrtc) client.close();
    await lb?.stop();
    await Promise.all(replicas.map((r) => r.kill('SIGKILL')));
    await emulator?.close();
    redis?.disconnect();
    redisServer?.stop();
    if (database) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  });

  it('spreads calls over the replicas; each call is in the directory under the replica that runs it', async () => {
    for (let i = 0; i < 6; i++) {
      const client = await KioskClient.connect(lb.wsUrl);
      const ready = await client.waitFor('session.ready');
      calls.push({ client, sessionId: ready.session_id, owner: (await owner(ready.session_id)) ?? '' });
    }
    const owners = new Set(calls.map((c) => c.owner));
    expect([...owners].sort()).toEqual(replicas.map((r) => r.replicaId).sort());
    // Each replica counts the calls the directory gives it.
    for (const r of replicas) {
      const health = (await (await fetch(`${r.url}/healthz`)).json()) as { sessions: number };
      expect(health.sessions).toBe(calls.filter((c) => c.owner === r.replicaId).length);
    }
  });

  it('a WebRTC DELETE sent to another replica ends the right call, and only with its key', async () => {
    const [home, other, third] = replicas;
    for (let i = 0; i < 2; i++) {
      const client = new WebrtcTestClient();
      webrtc.push(client);
      await client.connect(home.url);
      await client.waitForEvent('session.ready');
    }
    const [hungUp, kept] = webrtc;
    const callId = hungUp.location.split('/').at(-1)!;
    expect(await owner(callId)).toBe(home.replicaId);

    const wrongKey = await hungUp.hangUp(third.url, kept.callKey);
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers.get('www-authenticate')).toContain('Bearer');
    expect(await fetch(`${other.url}/v1/webrtc/wr_nosuchcall`, { method: 'DELETE', headers: { authorization: 'Bearer x' } }).then((r) => r.status)).toBe(404);

    expect((await hungUp.hangUp(other.url)).status).toBe(204);
    await expect.poll(() => hungUp.channelClosed, { timeout: 5_000 }).toBe(true);
    expect(hungUp.events.at(-1)).toEqual({ type: 'session.ended', reason: 'hangup' });
    expect(kept.channelClosed).toBe(false);
    expect(await owner(callId)).toBeNull();
    expect((await hungUp.hangUp(other.url)).status).toBe(404);
  });

  it('a duplicate SIP webhook delivered to two replicas is accepted once', async () => {
    const [first, second] = [replicas[2], replicas[0]];
    const before = await Promise.all(replicas.map(async (r) => ((await (await fetch(`${r.url}/healthz`)).json()) as { sessions: number }).sessions));
    sipCall = await emulator.placeSipCall({ webhookUrl: `${first.url}/openai/webhook`, webhookSecret: SECRET });
    const again = await sipCall.redeliver(`${second.url}/openai/webhook`);
    expect([sipCall.delivery.status, again.status]).toEqual([200, 200]);
    await sipCall.call.waitFor('accepted');
    await expect.poll(() => owner(sipCall.call.id), { timeout: 10_000 }).toBe(first.replicaId);
    const after = await Promise.all(replicas.map(async (r) => ((await (await fetch(`${r.url}/healthz`)).json()) as { sessions: number }).sessions));
    expect(after.map((n, i) => n - before[i])).toEqual([0, 0, 1]);
    expect(sipCall.call.requests.filter((r) => r.action === 'accept')).toHaveLength(1);
  });

  it('holds the per-address rate limit across replicas', async () => {
    // One address (not the load balancer's) opening sessions on each replica in turn.
    const statuses: string[] = [];
    for (let i = 0; i <= SESSIONS_PER_MINUTE; i++) {
      const r = replicas[i % replicas.length];
      try {
        const client = await KioskClient.connect(`ws://127.0.0.1:${r.port}/v1/ws`, {}, '127.0.0.7');
        statuses.push('open');
        client.close();
      } catch (err) {
        statuses.push((err as Error).message);
      }
    }
    expect(statuses).toEqual([...Array<string>(SESSIONS_PER_MINUTE).fill('open'), 'HTTP 429']);
  });

  it('a replica killed mid-call: its calls end, the others go on, its directory entries expire, a survivor closes its records and its SIP call', async () => {
    const victim = replica((sipCall && (await owner(sipCall.call.id))) || replicas[2].replicaId);
    const lost = calls.filter((c) => c.owner === victim.replicaId);
    const kept = calls.filter((c) => c.owner !== victim.replicaId);
    expect(lost.length).toBeGreaterThan(0);
    const closed = lost.map((c) => once(c.client.ws, 'close'));

    await victim.kill('SIGKILL');
    // The load balancer drops the victim's connections: its callers are not left hanging.
    await Promise.all(closed);

    // The others go on: each still answers a turn.
    await Promise.all(kept.map(async (c) => {
      const from = c.client.events.length;
      c.client.control({ type: 'input_text', text: 'Are you still there?' });
      await expect.poll(() => c.client.after(from, 'audio.done').length, { timeout: 20_000 }).toBeGreaterThan(0);
    }));

    // Its entries expire: no replica is named as the owner of its calls any more.
    await expect.poll(async () => redis.exists(...lost.map((c) => `vg:dir:${c.sessionId}`), `vg:dir:${sipCall.call.id}`), { timeout: 15_000, interval: 200 }).toBe(0);
    // ... and a survivor has removed it from the fleet once it ended what it owned.
    await expect.poll(() => redis.zscore('vg:replicas', victim.replicaId), { timeout: 10_000, interval: 200 }).toBeNull();
    // A survivor hung up its SIP call (it would go on at OpenAI with nobody running its tools) ...
    await expect.poll(() => sipCall.call.requests.some((r) => r.action === 'hangup'), { timeout: 10_000 }).toBe(true);
    // ... and wrote the end of its calls to the shared records, with the reason.
    const record = async (id: string) => {
      const res = await fetch(`${lb.url}/v1/sessions/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      return res.status === 200 ? ((await res.json()) as { end_reason: string | null }).end_reason : `HTTP ${res.status}`;
    };
    for (const c of lost) await expect.poll(() => record(c.sessionId), { timeout: 10_000, interval: 200 }).toBe('replica_lost');
    expect(await record(kept[0].sessionId)).toBeNull();

    // New calls through the load balancer land on the survivors.
    const late = await KioskClient.connect(lb.wsUrl);
    const ready = await late.waitFor('session.ready');
    expect([...replicas.filter((r) => r !== victim).map((r) => r.replicaId)]).toContain(await owner(ready.session_id));
    late.close();
  });

  it('a replica whose Redis does not answer does not start, and says which URL (without its password)', async () => {
    const url = `redis://:hunter2@127.0.0.1:${await freePort()}`;
    const failed = await startReplica({ REDIS_URL: url, RECORDS: 'off' }).then(() => 'started', (err: Error) => err.message);
    expect(failed).toMatch(/exited \(1\)[\s\S]*REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ does not answer/);
    expect(failed).not.toContain('hunter2');
  });
});
