/**
 * The records schema as a versioned list, the same SQL for SQLite and PostgreSQL (both take
 * BIGINT, TEXT, INTEGER and IF NOT EXISTS). Append new versions; never edit an applied one.
 * Flags are INTEGER 0/1 (SQLite has no boolean to bind). No foreign keys: a write queue that drops
 * its oldest writes under pressure may leave rows whose session row was dropped; they stay invisible
 * (every read starts from a session) and retention removes them.
 */
export interface Migration {
  version: number;
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        edge TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        ended_at BIGINT,
        end_reason TEXT,
        caller_from TEXT,
        caller_to TEXT
      )`,
      'CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started_at, id)',
      `CREATE TABLE IF NOT EXISTS state_moves (
        session_id TEXT NOT NULL, seq INTEGER NOT NULL, at BIGINT NOT NULL,
        agent TEXT NOT NULL, state TEXT NOT NULL, handoff INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
      )`,
      'CREATE INDEX IF NOT EXISTS state_moves_agent ON state_moves (agent, session_id)',
      `CREATE TABLE IF NOT EXISTS tool_calls (
        session_id TEXT NOT NULL, seq INTEGER NOT NULL, at BIGINT NOT NULL,
        call_id TEXT NOT NULL, name TEXT NOT NULL, arguments TEXT NOT NULL, output TEXT NOT NULL,
        ok INTEGER NOT NULL, error_code TEXT, duration_ms INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
      )`,
      `CREATE TABLE IF NOT EXISTS transcript_lines (
        session_id TEXT NOT NULL, seq INTEGER NOT NULL, at BIGINT NOT NULL,
        item_id TEXT NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, cut_at_ms INTEGER,
        PRIMARY KEY (session_id, seq)
      )`,
      'CREATE INDEX IF NOT EXISTS transcript_lines_item ON transcript_lines (session_id, item_id)',
      `CREATE TABLE IF NOT EXISTS turn_latencies (
        session_id TEXT NOT NULL, seq INTEGER NOT NULL, at BIGINT NOT NULL,
        item_id TEXT NOT NULL, latency_ms INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
      )`,
    ],
  },
  {
    // The values the conversation had collected at each move (the states' `collects`), as JSON.
    version: 2,
    statements: ['ALTER TABLE state_moves ADD COLUMN slots TEXT'],
  },
];

/** The table that says which versions are applied. */
export const MIGRATIONS_TABLE = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)';

/** Tables holding a session's rows (each with session_id and at). */
export const CHILD_TABLES = ['state_moves', 'tool_calls', 'transcript_lines', 'turn_latencies'] as const;
