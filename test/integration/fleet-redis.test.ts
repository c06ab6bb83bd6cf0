import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { RedisFleet, type RedisFleetOptions } from '../../src/fleet/redis-fleet.ts';
import type { OwnedEntry } from '../../src/fleet/fleet.ts';

const TTL_MS = 1_000;
const silent = pino({ level: 'silent' });

describe('RedisFleet against a real Redis: what replicas share', () => {
  const open: RedisFleet[] = [];
  const prefix = () => `t${randomBytes(4).toString('hex')}:`;
  const join = async (opts: Partial<RedisFleetOptions> & { prefix: string }) => {
    const fleet = await RedisFleet.open({ url: inject('redisUrl'), log: silent, ttlMs: TTL_MS, ...opts });
    open.push(fleet);
    return fleet;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()));
  });

  it('holds the fleet-wide session limit across replicas, and frees a place when a session ends', async () => {
    const p = prefix();
    const a = await join({ prefix: p, maxSessions: 2 });
    const b = await join({ prefix: p, maxSessions: 2 });
    expect(await a.claimPlace('vs_1')).toBe(true);
    expect(await b.claimPlace('vs_2')).toBe(true);
    expect(await a.claimPlace('vs_3')).toBe(false);
    expect(await b.claimPlace('vs_4')).toBe(false);
    expect(a.full).toBe(true);
    a.releasePlace('vs_1');
    await a.ownerOf('flush'); // the release is sent without waiting: one round trip later it has landed
    expect(await b.claimPlace('vs_5')).toBe(true);
  });

  it('names the owner of an id and runs an action there for another replica; an unknown id has no owner', async () => {
    const p = prefix();
    const a = await join({ prefix: p });
    const b = await join({ prefix: p });
    a.serve('hangup', async (id, args) => ({ status: 204, body: { id, by: a.replicaId, key: args.key } }));
    a.own('wr_1', { kind: 'webrtc' });
    expect(await b.ownerOf('wr_1')).toBe(a.replicaId);
    expect(await b.forward('hangup', 'wr_1', { key: 'k' })).toEqual({ status: 204, body: { id: 'wr_1', by: a.replicaId, key: 'k' } });
    expect(await b.forward('hangup', 'wr_none', {})).toBeUndefined();
    // The owner itself is not forwarded to: it handles its own ids.
    expect(await a.forward('hangup', 'wr_1', {})).toBeUndefined();
    a.disown('wr_1');
    await a.ownerOf('flush');
    expect(await b.ownerOf('wr_1')).toBeUndefined();
  });

  it('acts on a webhook id once in the whole fleet', async () => {
    const p = prefix();
    const a = await join({ prefix: p });
    const b = await join({ prefix: p });
    const answers = await Promise.all([a.firstTime('wh_1', 60_000), b.firstTime('wh_1', 60_000), a.firstTime('wh_1', 60_000)]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await b.firstTime('wh_2', 60_000)).toBe(true);
  });

  it('a replica that is killed: its entries expire, its place frees, one survivor ends what it owned, once', async () => {
    const p = prefix();
    const redis = new Redis(inject('redisUrl'));
    const lost: { id: string; entry: OwnedEntry }[] = [];
    const survivors = [await join({ prefix: p, maxSessions: 2 }), await join({ prefix: p, maxSessions: 2 })];
    for (const s of survivors) s.onLost('session', async (id, entry) => void lost.push({ id, entry }));

    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/fleet-replica.ts', inject('redisUrl'), p, String(TTL_MS), 'vs_dead1', 'vs_dead2'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const dead = line.replace(/^ready /, '');
    expect(await survivors[0].ownerOf('vs_dead1')).toBe(dead);
    expect(await survivors[0].forward('echo', 'vs_dead1', {})).toEqual({ status: 200, body: { id: 'vs_dead1' } });
    // Its two places fill the fleet.
    expect(await survivors[0].claimPlace('vs_new')).toBe(false);

    child.kill('SIGKILL');
    await once(child, 'exit');
    // Killed: no subscriber on its channel, so a forward says "no owner" at once, even before the expiry.
    expect(await survivors[1].forward('echo', 'vs_dead1', {})).toBeUndefined();

    // The survivor removes the dead replica's entries once it has ended them.
    await expect.poll(() => redis.zscore(`${p}replicas`, dead), { timeout: 10_000, interval: 100 }).toBeNull();
    expect(lost).toHaveLength(2);
    expect(lost.map((l) => l.id).sort()).toEqual(['vs_dead1', 'vs_dead2']);
    expect(lost[0].entry).toEqual({ kind: 'session', edge: 'kiosk', startedAt: 1_000 });
    expect(await survivors[0].ownerOf('vs_dead1')).toBeUndefined();
    expect(await redis.exists(`${p}dir:vs_dead1`, `${p}dir:vs_dead2`, `${p}owned:${dead}`)).toBe(0);
    expect(await survivors[0].claimPlace('vs_new')).toBe(true);
    // Handled by one survivor only, and not again on later beats.
    await new Promise((resolve) => setTimeout(resolve, TTL_MS));
    expect(lost).toHaveLength(2);
    redis.disconnect();
  });

  it('a survivor ending a dead replica\'s calls slowly goes on beating: it is not taken for dead meanwhile', async () => {
    const p = prefix();
    const redis = new Redis(inject('redisUrl'));
    const survivor = await join({ prefix: p });
    let started!: () => void;
    const reapStarted = new Promise<void>((resolve) => { started = resolve; });
    let finish!: () => void;
    const slowEnd = new Promise<void>((resolve) => { finish = resolve; });
    survivor.onLost('session', async () => {
      started();
      await slowEnd; // a hang-up through the Calls API that takes its time
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/fleet-replica.ts', inject('redisUrl'), p, String(TTL_MS), 'vs_dead'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const dead = line.replace(/^ready /, '');
    child.kill('SIGKILL');
    await once(child, 'exit');
    await reapStarted;
    // Three TTLs inside the slow end: the survivor's own beat never lapses.
    for (let i = 0; i < 30; i++) {
      const [seconds, micros] = await redis.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      expect(Number(await redis.zscore(`${p}replicas`, survivor.replicaId))).toBeGreaterThan(now);
      await new Promise((resolve) => setTimeout(resolve, TTL_MS / 10));
    }
    finish();
    await expect.poll(() => redis.zscore(`${p}replicas`, dead), { timeout: 10_000, interval: 100 }).toBeNull();
    redis.disconnect();
  }, 20_000);

  it('a Redis that stops answering for longer than the TTL: no replica takes the others for dead', async () => {
    const p = prefix();
    const redis = new Redis(inject('redisUrl'));
    const lost: string[] = [];
    const replicas = [await join({ prefix: p }), await join({ prefix: p })];
    replicas.forEach((r, i) => {
      r.own(`vs_${i}`, { kind: 'session', edge: 'kiosk', startedAt: 1 });
      r.onLost('session', async (id) => void lost.push(id));
    });
    await new Promise((resolve) => setTimeout(resolve, TTL_MS * 1.5)); // both in touch for a whole TTL
    // Every client's commands wait (a partition, a failover): every beat lapses at once.
    await redis.call('CLIENT', 'PAUSE', String(TTL_MS * 3), 'ALL');
    await new Promise((resolve) => setTimeout(resolve, TTL_MS * 6));
    expect(lost).toEqual([]);
    expect(await replicas[0].ownerOf('vs_1')).toBe(replicas[1].replicaId);
    expect(await replicas[1].ownerOf('vs_0')).toBe(replicas[0].replicaId);
    redis.disconnect();
  }, 20_000);

  it('leaves at close: a closed replica owns nothing and holds no place', async () => {
    const p = prefix();
    const a = await RedisFleet.open({ url: inject('redisUrl'), log: silent, ttlMs: TTL_MS, prefix: p, maxSessions: 1 });
    const b = await join({ prefix: p, maxSessions: 1 });
    expect(await a.claimPlace('vs_a')).toBe(true);
    a.own('vs_a', { kind: 'session', edge: 'kiosk', startedAt: 1 });
    await a.close();
    expect(await b.ownerOf('vs_a')).toBeUndefined();
    expect(await b.claimPlace('vs_b')).toBe(true);
  });
});
