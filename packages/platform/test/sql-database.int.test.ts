import { MySqlDatabase } from '../src/index.js';
import { requireEnv, uniqueSuffix } from './testbed-env.js';

test('MySQL migration + insert + select (real server)', async () => {
  const db = new MySqlDatabase(requireEnv('MYSQL_URL'));
  const t = `smoke_${uniqueSuffix()}`;
  try {
    const migrations = [
      { id: 1, name: 'create', sql: [`CREATE TABLE ${t} (id INT PRIMARY KEY, cash_minor BIGINT NOT NULL)`] },
      { id: 2, name: 'column', sql: [`ALTER TABLE ${t} ADD COLUMN code VARCHAR(16) NULL`] },
    ];
    expect(await db.migrate(migrations, `${t}_migrations`)).toEqual([1, 2]);
    expect(await db.migrate(migrations, `${t}_migrations`)).toEqual([]);
    await db.transaction(async (tx) => {
      await tx.execute(`INSERT INTO ${t} (id, cash_minor, code) VALUES (?, ?, ?)`, [1, 9007199254740991, '600000.SH']);
    });
    const rows = await db.query<{ id: number; cash_minor: number; code: string }>(`SELECT * FROM ${t}`);
    expect(rows).toEqual([{ id: 1, cash_minor: 9007199254740991, code: '600000.SH' }]);
  } finally {
    await db.execute(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
    await db.execute(`DROP TABLE IF EXISTS ${t}_migrations`).catch(() => undefined);
    await db.close();
  }
});
