import { z } from 'zod';
import type { Row } from './sql-db.ts';

/**
 * The rows the stores read back, checked before use: a row that does not match (a schema edited by
 * hand, a column of the wrong type) is a clear error naming the table and the field, never a
 * record with holes. PostgreSQL returns BIGINT as a string, hence the coercion.
 */
const int = z.coerce.number().int();
const flag = z.coerce.number().int().min(0).max(1).transform((n) => n === 1);

export const sessionRow = z.object({
  id: z.string(),
  edge: z.string(),
  started_at: int,
  ended_at: int.nullable(),
  end_reason: z.string().nullable(),
  caller_from: z.string().nullable(),
  caller_to: z.string().nullable(),
});

/** Rows from before migration 2 have no slots: nothing was collected then. */
const slotsJson = z.string().nullable().transform((text, ctx) => {
  if (text === null) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch { /* reported below */ }
  ctx.addIssue({ code: 'custom', message: 'slots must be a JSON object' });
  return z.NEVER;
});

export const stateRow = z.object({ session_id: z.string(), at: int, agent: z.string(), state: z.string(), handoff: flag, slots: slotsJson });

export const toolRow = z.object({
  at: int, call_id: z.string(), name: z.string(), arguments: z.string(), output: z.string(),
  ok: flag, error_code: z.string().nullable(), duration_ms: int,
});

export const lineRow = z.object({
  at: int, item_id: z.string(), role: z.enum(['user', 'assistant']), text: z.string(), cut_at_ms: int.nullable(),
});

export const latencyRow = z.object({ at: int, item_id: z.string(), latency_ms: int });

export function parseRows<T extends z.ZodType>(table: string, schema: T, rows: Row[]): z.output<T>[] {
  return rows.map((row) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`records: a ${table} row does not match the schema: ${issue.path.join('.')}: ${issue.message}`);
    }
    return parsed.data;
  });
}
