import mysql from 'mysql2/promise';

export type SqlValue = string | number | bigint | boolean | null | Date | Buffer;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  query<T extends Row = Row>(sql: string, params?: SqlValue[]): Promise<T[]>;
  execute(sql: string, params?: SqlValue[]): Promise<{ affectedRows: number; insertId: number }>;
}

/** Durable state (MySQL / MariaDB). Pool is bounded; waits time out instead of hanging (S5.08). */
export interface SqlDatabase extends SqlExecutor {
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Migration {
  id: number;
  name: string;
  sql: string[];
}

const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

export class MySqlDatabase implements SqlDatabase {
  readonly pool: mysql.Pool;

  constructor(url: string, opts: { connectionLimit?: number; acquireTimeoutMs?: number } = {}) {
    this.pool = mysql.createPool({
      uri: url,
      connectionLimit: opts.connectionLimit ?? 10,
      queueLimit: 100,
      connectTimeout: 5000,
      waitForConnections: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      dateStrings: true,
      timezone: 'Z',
    });
  }

  async query<T extends Row = Row>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    const [rows] = await this.pool.query(sql, params);
    return rows as T[];
  }

  async execute(sql: string, params: SqlValue[] = []): Promise<{ affectedRows: number; insertId: number }> {
    const [result] = await this.pool.query(sql, params);
    const r = result as mysql.ResultSetHeader;
    return { affectedRows: r.affectedRows, insertId: r.insertId };
  }

  /** Runs fn in a transaction; deadlocks and lock timeouts roll back and retry (S7.05). */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, attempts = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const conn = await this.pool.getConnection();
      try {
        await conn.beginTransaction();
        const tx: SqlExecutor = {
          query: async <R extends Row>(sql: string, params: SqlValue[] = []) => (await conn.query(sql, params))[0] as R[],
          execute: async (sql: string, params: SqlValue[] = []) => {
            const r = (await conn.query(sql, params))[0] as mysql.ResultSetHeader;
            return { affectedRows: r.affectedRows, insertId: r.insertId };
          },
        };
        const result = await fn(tx);
        await conn.commit();
        return result;
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        const code = (err as { code?: string }).code;
        if (attempt >= attempts || !code || !RETRYABLE.has(code)) throw err;
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      } finally {
        conn.release();
      }
    }
  }

  /** Applies migrations not yet recorded, in id order, each in its own transaction. */
  async migrate(migrations: Migration[], table = 'schema_migrations'): Promise<number[]> {
    await this.execute(
      `CREATE TABLE IF NOT EXISTS ${table} (id INT PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
    );
    const done = new Set((await this.query<{ id: number }>(`SELECT id FROM ${table}`)).map((r) => r.id));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
      if (done.has(m.id)) continue;
      // DDL commits implicitly in MySQL; the INSERT IGNORE makes a concurrent migrator harmless.
      for (const statement of m.sql) await this.execute(statement);
      await this.execute(`INSERT IGNORE INTO ${table} (id, name) VALUES (?, ?)`, [m.id, m.name]);
      applied.push(m.id);
    }
    return applied;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
