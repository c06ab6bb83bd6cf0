/**
 * The little a records store needs from a SQL database, so one store (sql-store.ts) serves SQLite
 * and PostgreSQL. SQL is written with `?` placeholders; the PostgreSQL adapter numbers them.
 */
export type SqlValue = string | number | null;

export interface Statement {
  sql: string;
  params: SqlValue[];
}

export type Row = Record<string, unknown>;

export interface SqlDb {
  readonly kind: 'sqlite' | 'postgres';
  query(sql: string, params?: SqlValue[]): Promise<Row[]>;
  /**
   * Runs the statements in one transaction. With `exclusive`, PostgreSQL first takes an advisory
   * lock, so gateways starting at once apply migrations one after the other (SQLite's write
   * transaction is exclusive anyway).
   */
  transaction(statements: readonly Statement[], opts?: { exclusive?: boolean }): Promise<void>;
  isTransient(err: unknown): boolean;
  close(): Promise<void>;
}
