import { MySqlDatabase, PoolExhaustedError } from '../src/index.js';
import { requireEnv, uniqueSuffix } from './testbed-env.js';

describe('MySQL faults (real server)', () => {
  test('S5.08 an exhausted pool surfaces as a PoolExhaustedError after the acquire timeout, not a hang; later queries work', async () => {
    const db = new MySqlDatabase(requireEnv('MYSQL_URL'), { connectionLimit: 1, acquireTimeoutMs: 300 });
    try {
      let release!: () => void;
      let holding!: () => void;
      const connectionHeld = new Promise<void>((r) => (holding = r));
      const held = db.transaction(() => {
        holding();
        return new Promise<void>((r) => (release = r));
      });
      // Once the transaction runs, it holds the pool's only connection (a fixed wait lost that race under load).
      await connectionHeld;
      const started = Date.now();
      await expect(db.query('SELECT 1 AS one')).rejects.toBeInstanceOf(PoolExhaustedError);
      expect(Date.now() - started).toBeLessThan(5000);
      await expect(db.query('SELECT 1 AS one')).rejects.toThrow(/pool exhausted: all 1 connections busy for 300 ms/);
      release();
      await held;
      expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  test('S7.05 a real InnoDB deadlock rolls back the victim and retries it; both transactions commit', async () => {
    const db = new MySqlDatabase(requireEnv('MYSQL_URL'), { connectionLimit: 4 });
    const t = `deadlock_${uniqueSuffix()}`;
    try {
      await db.execute(`CREATE TABLE ${t} (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB`);
      await db.execute(`INSERT INTO ${t} VALUES (1, 0), (2, 0)`);
      let attempts = 0;
      // Each side locks one row, waits for the other to do the same, then asks for the other's row.
      let arrived = 0;
      let bothLocked!: () => void;
      const barrier = new Promise<void>((r) => (bothLocked = r));
      const side = (first: number, second: number) =>
        db.transaction(async (tx) => {
          attempts++;
          await tx.execute(`UPDATE ${t} SET v = v + 1 WHERE id = ?`, [first]);
          if (++arrived === 2) bothLocked();
          await Promise.race([barrier, new Promise((r) => setTimeout(r, 2000))]);
          await tx.execute(`UPDATE ${t} SET v = v + 10 WHERE id = ?`, [second]);
        });
      await Promise.all([side(1, 2), side(2, 1)]);
      expect(attempts).toBeGreaterThanOrEqual(3); // the deadlock victim ran again
      const rows = await db.query<{ id: number; v: number }>(`SELECT id, v FROM ${t} ORDER BY id`);
      expect(rows).toEqual([
        { id: 1, v: 11 },
        { id: 2, v: 11 },
      ]);
    } finally {
      await db.execute(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
      await db.close();
    }
  });
});
