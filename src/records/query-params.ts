import { z } from 'zod';
import { VgError } from '../errors.ts';
import type { SessionQuery } from './types.ts';

/** A filter value: an edge kind, agent name or end reason token. */
const token = z.string().regex(/^[\w.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -');
/** A day (midnight UTC) or an ISO 8601 time with its offset. */
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date (2026-12-01) or an ISO 8601 time (2026-12-01T09:30:00Z)' })
  .transform((text) => Date.parse(text));

const cursorPayload = z.tuple([z.number().int().nonnegative(), z.string().min(1).max(200)]);

/** Opaque to clients: the last session of a page, base64url JSON. */
export function encodeCursor(startedAtMs: number, id: string): string {
  return Buffer.from(JSON.stringify([startedAtMs, id])).toString('base64url');
}

const cursor = z.string().max(400).transform((text, ctx) => {
  try {
    const [startedAt, id] = cursorPayload.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return { startedAt, id };
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a cursor this API gave out (pass next_cursor unchanged)' });
    return z.NEVER;
  }
});

const listQuery = z.strictObject({
  limit: z.coerce.number({ error: (issue) => (issue.code === 'invalid_type' ? 'must be a number' : undefined) })
    .int('must be a whole number').min(1, 'must be 1 to 100').max(100, 'must be 1 to 100').default(20),
  cursor: cursor.optional(),
  edge: token.optional(),
  agent: token.optional(),
  end_reason: token.optional(),
  from: instant.optional(),
  to: instant.optional(),
}, { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown parameter(s): ${issue.keys.join(', ')}` : undefined) })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { path: ['to'], message: 'must be later than from' });

/** GET /v1/sessions's query string, or VG_ERR_BAD_REQUEST naming each bad parameter. */
export function parseListQuery(raw: unknown): SessionQuery {
  const parsed = listQuery.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')} ${issue.message}` : issue.message));
    throw new VgError('VG_ERR_BAD_REQUEST', problems.join('; '));
  }
  const q = parsed.data;
  return { limit: q.limit, before: q.cursor, edge: q.edge, agent: q.agent, endReason: q.end_reason, fromMs: q.from, toMs: q.to };
}

const sessionId = z.string().regex(/^[\w-]{1,100}$/);

export function parseSessionId(raw: string): string {
  if (!sessionId.safeParse(raw).success) throw new VgError('VG_ERR_BAD_REQUEST', 'a session id is 1-100 letters, digits, _ or -');
  return raw;
}
