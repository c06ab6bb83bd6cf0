import { CHILD_TABLES, MIGRATIONS, MIGRATIONS_TABLE } from './migrations.ts';
import { latencyRow, lineRow, parseRows, sessionRow, stateRow, toolRow } from './rows.ts';
import type { SqlDb, SqlValue, Statement } from './sql-db.ts';
import type { CallRecord, RecordStore, RecordWrite, SessionPage, SessionQuery, SessionSummary } from './types.ts';

/** Rows per multi-row INSERT: well under both databases' limits on bound parameters. */
const ROWS_PER_INSERT = 400;

const INSERT_COLUMNS = {
  sessions: ['id', 'edge', 'started_at', 'caller_from', 'caller_to'],
  state_moves: ['session_id', 'seq', 'at', 'agent', 'state', 'handoff', 'slots'],
  tool_calls: ['session_id', 'seq', 'at', 'call_id', 'name', 'arguments', 'output', 'ok', 'error_code', 'duration_ms'],
  transcript_lines: ['session_id', 'seq', 'at', 'item_id', 'role', 'text', 'cut_at_ms'],
  turn_latencies: ['session_id', 'seq', 'at', 'item_id', 'latency_ms'],
} as const;
type Table = keyof typeof INSERT_COLUMNS;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The records store over either database: the same SQL, migrations and row checks for both. */
export class SqlRecordStore implements RecordStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  get kind(): 'sqlite' | 'postgres' {
    return this.#db.kind;
  }

  async migrate(): Promise<void> {
    await this.#db.transaction([{ sql: MIGRATIONS_TABLE, params: [] }], { exclusive: true });
    const applied = new Set((await this.#db.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await this.#db.transaction([
        ...migration.statements.map((sql) => ({ sql, params: [] })),
        // Another gateway may have applied it while this one waited for the lock: DDL is IF NOT EXISTS.
        { sql: 'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?) ON CONFLICT DO NOTHING', params: [migration.version, Date.now()] },
      ], { exclusive: true });
    }
  }

  async write(batch: readonly RecordWrite[]): Promise<void> {
    const rows = new Map<Table, SqlValue[][]>();
    const add = (table: Table, values: SqlValue[]) => {
      const list = rows.get(table) ?? [];
      list.push(values);
      rows.set(table, list);
    };
    // Updates after the inserts: an end or a cut may arrive in the batch that holds its row.
    const updates: Statement[] = [];
    for (const w of batch) {
      switch (w.kind) {
        case 'session':
          add('sessions', [w.sessionId, w.edge, w.startedAt, w.callerFrom ?? null, w.callerTo ?? null]);
          break;
        case 'state':
          add('state_moves', [w.sessionId, w.seq, w.at, w.agent, w.state, w.handoff ? 1 : 0, w.slots]);
          break;
        case 'tool':
          add('tool_calls', [w.sessionId, w.seq, w.at, w.callId, w.name, w.arguments, w.output, w.ok ? 1 : 0, w.errorCode ?? null, w.durationMs]);
          break;
        case 'line':
          add('transcript_lines', [w.sessionId, w.seq, w.at, w.itemId, w.role, w.text, w.cutAtMs ?? null]);
          break;
        case 'latency':
          add('turn_latencies', [w.sessionId, w.seq, w.at, w.itemId, w.latencyMs]);
          break;
        case 'end':
          updates.push({
            sql: `INSERT INTO sessions (id, edge, started_at, caller_from, caller_to, ended_at, end_reason) VALUES (?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, end_reason = excluded.end_reason`,
            params: [w.sessionId, w.edge, w.startedAt, w.callerFrom ?? null, w.callerTo ?? null, w.endedAt, w.reason],
          });
          break;
        case 'cut':
          updates.push({
            sql: "UPDATE transcript_lines SET cut_at_ms = ? WHERE session_id = ? AND item_id = ? AND role = 'assistant'",
            params: [w.cutAtMs, w.sessionId, w.itemId],
          });
          break;
      }
    }
    const statements: Statement[] = [];
    for (const [table, values] of rows) {
      for (let i = 0; i < values.length; i += ROWS_PER_INSERT) statements.push(insert(table, values.slice(i, i + ROWS_PER_INSERT)));
    }
    statements.push(...updates);
    if (statements.length > 0) await this.#db.transaction(statements);
  }

  async listSessions(query: SessionQuery): Promise<SessionPage> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const when = (clause: string, ...values: SqlValue[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (query.edge !== undefined) when('s.edge = ?', query.edge);
    if (query.endReason !== undefined) when('s.end_reason = ?', query.endReason);
    if (query.fromMs !== undefined) when('s.started_at >= ?', query.fromMs);
    if (query.toMs !== undefined) when('s.started_at < ?', query.toMs);
    if (query.agent !== undefined) when('EXISTS (SELECT 1 FROM state_moves m WHERE m.session_id = s.id AND m.agent = ?)', query.agent);
    if (query.before) when('(s.started_at < ? OR (s.started_at = ? AND s.id < ?))', query.before.startedAt, query.before.startedAt, query.before.id);
    const sql = `SELECT s.* FROM sessions s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY s.started_at DESC, s.id DESC LIMIT ?`;
    const found = parseRows('sessions', sessionRow, await this.#db.query(sql, [...params, query.limit + 1]));
    const page = found.slice(0, query.limit);
    const agents = await this.#agentsOf(page.map((s) => s.id));
    return { sessions: page.map((s) => summary(s, agents.get(s.id) ?? [])), more: found.length > query.limit };
  }

  async getSession(id: string): Promise<CallRecord | undefined> {
    const [session] = parseRows('sessions', sessionRow, await this.#db.query('SELECT * FROM sessions WHERE id = ?', [id]));
    if (!session) return undefined;
    const of = (table: string, columns: string) => this.#db.query(`SELECT ${columns} FROM ${table} WHERE session_id = ? ORDER BY seq`, [id]);
    const [states, tools, lines, turns] = await Promise.all([
      of('state_moves', 'session_id, at, agent, state, handoff, slots').then((r) => parseRows('state_moves', stateRow, r)),
      of('tool_calls', 'at, call_id, name, arguments, output, ok, error_code, duration_ms').then((r) => parseRows('tool_calls', toolRow, r)),
      of('transcript_lines', 'at, item_id, role, text, cut_at_ms').then((r) => parseRows('transcript_lines', lineRow, r)),
      of('turn_latencies', 'at, item_id, latency_ms').then((r) => parseRows('turn_latencies', latencyRow, r)),
    ]);
    return {
      ...summary(session, [...new Set(states.map((s) => s.agent))]),
      states: states.map((s) => ({ at: iso(s.at), agent: s.agent, state: s.state, handoff: s.handoff, slots: s.slots })),
      tools: tools.map((t) => ({ ...t, at: iso(t.at) })),
      transcript: lines.map((l) => ({ ...l, at: iso(l.at) })),
      turns: turns.map((t) => ({ ...t, at: iso(t.at) })),
    };
  }

  async prune(beforeMs: number): Promise<number> {
    const [{ n }] = await this.#db.query('SELECT COUNT(*) AS n FROM sessions WHERE started_at < ?', [beforeMs]);
    const old = 'SELECT id FROM sessions WHERE started_at < ?';
    // A row is old when its session is, or, without a session row (see migrations.ts), by its own time.
    await this.#db.transaction([
      ...CHILD_TABLES.map((table) => ({ sql: `DELETE FROM ${table} WHERE at < ? OR session_id IN (${old})`, params: [beforeMs, beforeMs] })),
      { sql: 'DELETE FROM sessions WHERE started_at < ?', params: [beforeMs] },
    ]);
    return Number(n);
  }

  isTransient(err: unknown): boolean {
    return this.#db.isTransient(err);
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  async #agentsOf(ids: string[]): Promise<Map<string, string[]>> {
    const agents = new Map<string, string[]>();
    if (ids.length === 0) return agents;
    const rows = await this.#db.query(
      `SELECT session_id, agent, MIN(seq) AS first FROM state_moves WHERE session_id IN (${ids.map(() => '?').join(', ')})
       GROUP BY session_id, agent ORDER BY session_id, first`,
      ids,
    );
    for (const row of rows) {
      const list = agents.get(String(row.session_id)) ?? [];
      list.push(String(row.agent));
      agents.set(String(row.session_id), list);
    }
    return agents;
  }
}

function insert(table: Table, rows: SqlValue[][]): Statement {
  const columns = INSERT_COLUMNS[table];
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return {
    // A batch retried after a commit whose answer was lost is applied once.
    sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')} ON CONFLICT DO NOTHING`,
    params: rows.flat(),
  };
}

function summary(s: ReturnType<typeof sessionRow.parse>, agents: string[]): SessionSummary {
  return {
    id: s.id,
    edge: s.edge,
    started_at: iso(s.started_at),
    ended_at: s.ended_at === null ? null : iso(s.ended_at),
    end_reason: s.end_reason,
    agents,
    caller: s.caller_from === null && s.caller_to === null ? null : { from: s.caller_from, to: s.caller_to },
  };
}
