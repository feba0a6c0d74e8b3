import mysql from 'mysql2/promise';

export type SqlValue = string | number | bigint | boolean | null | Date | Buffer;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  query<T extends Row = Row>(sql: string, params?: SqlValue[]): Promise<T[]>;
  execute(sql: string, params?: SqlValue[]): Promise<{ affectedRows: number; insertId: number }>;
}

/** Durable state (MySQL / MariaDB). Pool is bounded; waits time out instead of hanging. */
export interface SqlDatabase extends SqlExecutor {
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Migration {
  id: number;
  name: string;
  sql: string[];
}

/** Migrations numbered from 1 in the order given: the list only grows, an applied step is never edited. */
export function numberedMigrations(...steps: [name: string, ...sql: string[]][]): Migration[] {
  return steps.map(([name, ...sql], i) => ({ id: i + 1, name, sql }));
}

const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/** Every pooled connection stayed busy for the whole wait: an error to retry, never a hang. */
export class PoolExhaustedError extends Error {
  readonly code = 'POOL_EXHAUSTED';
  constructor(
    readonly connectionLimit: number,
    readonly waitedMs: number,
  ) {
    super(`MySQL pool exhausted: all ${connectionLimit} connections busy for ${waitedMs} ms`);
    this.name = 'PoolExhaustedError';
  }
}

export class MySqlDatabase implements SqlDatabase {
  readonly pool: mysql.Pool;
  private readonly connectionLimit: number;
  private readonly acquireTimeoutMs: number;

  constructor(url: string, opts: { connectionLimit?: number; acquireTimeoutMs?: number } = {}) {
    this.connectionLimit = opts.connectionLimit ?? 10;
    this.acquireTimeoutMs = opts.acquireTimeoutMs ?? 10000;
    this.pool = mysql.createPool({
      uri: url,
      connectionLimit: this.connectionLimit,
      queueLimit: 100,
      connectTimeout: 5000,
      waitForConnections: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      dateStrings: true,
      timezone: 'Z',
    });
  }

  /** A pooled connection, or PoolExhaustedError after acquireTimeoutMs (mysql2 itself waits forever). */
  private async acquire(): Promise<mysql.PoolConnection> {
    const pending = this.pool.getConnection();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PoolExhaustedError(this.connectionLimit, this.acquireTimeoutMs)),
        this.acquireTimeoutMs,
      );
    });
    try {
      return await Promise.race([pending, timeout]);
    } catch (err) {
      // The connection may still arrive after we gave up: hand it straight back.
      pending.then((c) => c.release()).catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async query<T extends Row = Row>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    const conn = await this.acquire();
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T[];
    } finally {
      conn.release();
    }
  }

  async execute(sql: string, params: SqlValue[] = []): Promise<{ affectedRows: number; insertId: number }> {
    const conn = await this.acquire();
    try {
      const [result] = await conn.query(sql, params);
      const r = result as mysql.ResultSetHeader;
      return { affectedRows: r.affectedRows, insertId: r.insertId };
    } finally {
      conn.release();
    }
  }

  /** Runs fn in a transaction; deadlocks and lock timeouts roll back and retry. */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, attempts = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const conn = await this.acquire();
      try {
        await conn.beginTransaction();
        const tx: SqlExecutor = {
          query: async <R extends Row>(sql: string, params: SqlValue[] = []) =>
            (await conn.query(sql, params))[0] as R[],
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
