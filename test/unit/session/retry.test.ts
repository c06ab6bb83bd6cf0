import { describe, expect, it } from 'vitest';
import { retry } from '../../../src/session/retry.ts';

const failing = (times: number) => {
  let calls = 0;
  return async () => {
    calls++;
    if (calls <= times) throw new Error(`attempt ${calls} failed`);
  };
};

describe('retry: restoring a backend link', () => {
  it('tries again after each failure and says which attempt worked', async () => {
    const failures: string[] = [];
    const outcome = await retry([0, 0, 0], new AbortController().signal, failing(2), (err, n) => {
      failures.push(`${n}: ${(err as Error).message}`);
      return 'retry';
    });
    expect(outcome).toEqual({ ok: true, attempts: 3 });
    expect(failures).toEqual(['1: attempt 1 failed', '2: attempt 2 failed']);
  });

  it('gives up when the delays run out, or at once when a failure says there is no point', async () => {
    expect(await retry([0, 0], new AbortController().signal, failing(5), () => 'retry')).toEqual({ ok: false, attempts: 2, gaveUp: false });
    expect(await retry([0, 0, 0], new AbortController().signal, failing(5), () => 'stop')).toEqual({ ok: false, attempts: 1, gaveUp: true });
  });

  it('stops waiting and reports nothing once the call has ended', async () => {
    const ended = new AbortController();
    let attempts = 0;
    const outcome = retry([0, 60_000], ended.signal, async () => {
      attempts++;
      throw new Error('down');
    }, () => 'retry');
    await new Promise((resolve) => setTimeout(resolve, 20));
    ended.abort();
    expect(await outcome).toBeUndefined();
    expect(attempts).toBe(1);
  });

  it('once the call has ended during an attempt, reports nothing of it, whether it then works or fails', async () => {
    const ended = new AbortController();
    const worked = await retry([0], ended.signal, async () => {
      ended.abort();
    }, () => 'retry');
    expect(worked).toBeUndefined();
    const stopped = new AbortController();
    const failures: number[] = [];
    const failed = await retry([0, 0], stopped.signal, async () => {
      stopped.abort();
      throw new Error('down');
    }, (_err, n) => {
      failures.push(n);
      return 'retry';
    });
    expect(failed).toBeUndefined();
    expect(failures).toEqual([]);
  });
});
