import pg from 'pg';
import type { Row, SqlDb, SqlValue } from './sql-db.ts';

export interface PostgresOptions {
  url: string;
  /** A schema to use instead of `public` (it must exist); tests give each store its own. */
  schema?: string;
  /** Connections at most: writes are one batch at a time, reads come from the admin API. */
  maxConnections?: number;
}

/** One key for the records' migrations lock (pg_advisory_xact_lock takes a bigint). */
const MIGRATION_LOCK = 4_815_162_342;

/**
 * SQLSTATE classes that say the server is unreachable, restarting or short of resources (retry),
 * as opposed to a statement it refused (a bad batch): 08 connection, 53 resources, 57 operator
 * intervention (shutdown), 40 serialization / deadlock.
 */
const TRANSIENT_SQLSTATE = /^(08|53|57|40)/;
const TRANSIENT_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** PostgreSQL through a `pg` pool. Statements are written with `?`; this numbers them `$1`, `$2`, … */
export function openPostgres(opts: PostgresOptions): SqlDb {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
    throw new Error(`records: schema name ${JSON.stringify(opts.schema)} must be lower-case letters, digits and _`);
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.maxConnections ?? 4,
    // A database that is down fails the write fast; the write queue retries it.
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client whose server went away emits 'error' on the pool: without a listener that
  // would be an uncaught exception. The next query reconnects.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    query: async (sql: string, params: SqlValue[] = []) => (await pool.query(numbered(sql), params)).rows as Row[],
    transaction: async (statements, { exclusive = false } = {}) => {
      const client = await pool.connect();
      // A checked-out client whose connection drops between queries emits 'error': unheard, that
      // would be an uncaught exception. The query in flight fails on its own.
      const onError = () => {};
      client.on('error', onError);
      let broken: unknown;
      try {
        await client.query('BEGIN');
        if (exclusive) await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        for (const s of statements) await client.query(numbered(s.sql), s.params);
        await client.query('COMMIT');
      } catch (err) {
        broken = err;
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.off('error', onError);
        // A client whose connection failed mid-transaction is discarded, not returned to the pool.
        client.release(broken instanceof Error && isTransient(broken) ? broken : undefined);
      }
    },
    isTransient,
    close: () => pool.end(),
  };
}

function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_NODE.has(code))) return true;
  // pg's own messages when the socket ends or the pool cannot connect in time.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(err.message);
}

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
