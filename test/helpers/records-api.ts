// The admin API as a test reads it: GET with the admin token, and waiting for a record to show
// what the call did (records are written off the session's path, a moment after the facts).
import type { CallRecord } from '../../src/records/types.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** `token` null: no Authorization header. */
export async function adminGet(httpUrl: string, path: string, token: string | null = ADMIN_TOKEN): Promise<Response> {
  return fetch(`${httpUrl}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
}

/** Polls GET /v1/sessions/:id until the record satisfies `done` (by default: its end is written). */
export async function waitForRecord(
  httpUrl: string, id: string, done: (r: CallRecord) => boolean = (r) => r.ended_at !== null, timeoutMs = 10_000,
): Promise<CallRecord> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const res = await adminGet(httpUrl, `/v1/sessions/${id}`);
    last = res.status === 200 ? await res.json() : `HTTP ${res.status} ${await res.text()}`;
    if (res.status === 200 && done(last as CallRecord)) return last as CallRecord;
    if (performance.now() > deadline) throw new Error(`record ${id} not as expected within ${timeoutMs} ms; last read: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
