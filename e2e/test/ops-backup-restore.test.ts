import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync, gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { MySqlDatabase } from '@ginkgo/platform';
import { chartDir, run, uniqueSuffix } from './support/chart.js';

// S8.03 / S8.04 against the real MariaDB of the test bed, in a scratch database (never the shared `ginkgo`
// tables). The URL handed to the scripts percent-encodes every character of the password, as a URL with
// special characters in it would (the scripts must decode it).
const backupSh = path.join(chartDir, 'files', 'backup.sh');
const restoreSh = path.join(chartDir, 'files', 'restore.sh');

const baseUrl = new URL(process.env.MYSQL_URL ?? 'mysql://ginkgo:ginkgo@127.0.0.1:13306/ginkgo');
const suffix = uniqueSuffix().replace(/[^a-z0-9]/g, '');
const dbName = `ops_backup_${suffix}`;
const password = decodeURIComponent(baseUrl.password);
const percentEncoded = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const scratchUrl = (pw = password) => {
  const u = new URL(baseUrl.toString());
  u.pathname = `/${dbName}`;
  return u.toString().replace(`:${baseUrl.password}@`, `:${percentEncoded(pw)}@`);
};

let admin: MySqlDatabase;
let db: MySqlDatabase;
let dir: string;

const DAY = 86_400_000;
const touchDaysAgo = (file: string, days: number) => {
  const t = new Date(Date.now() - days * DAY);
  utimesSync(file, t, t);
};

/** Every table's rows, as a digest plus row counts (short failure messages). */
async function snapshot(): Promise<string> {
  const tables = (
    await db.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name`,
      [dbName],
    )
  ).map((r) => r.t);
  const out: Record<string, unknown> = {};
  for (const t of tables) {
    const rows = await db.query(`SELECT * FROM \`${t}\` ORDER BY 1`);
    out[t] =
      `${rows.length} rows, sha256 ${createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16)}`;
  }
  return JSON.stringify(out);
}

beforeAll(async () => {
  admin = new MySqlDatabase(baseUrl.toString(), { connectionLimit: 2 });
  await admin.execute(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4`);
  const u = new URL(baseUrl.toString());
  u.pathname = `/${dbName}`;
  db = new MySqlDatabase(u.toString(), { connectionLimit: 2 });
  expect(scratchUrl()).toMatch(/:(%[0-9a-f]{2})+@/);
  await db.execute(`CREATE TABLE positions (
    id INT PRIMARY KEY, portfolio VARCHAR(64) NOT NULL, code VARCHAR(16) NOT NULL, volume BIGINT NOT NULL,
    cost_fen BIGINT NOT NULL, note VARCHAR(200) NULL, state JSON NULL, raw VARBINARY(32) NULL, updated_at DATETIME(3) NOT NULL
  ) ENGINE=InnoDB`);
  await db.execute(
    `CREATE TABLE fills (id BIGINT PRIMARY KEY AUTO_INCREMENT, order_id VARCHAR(64) NOT NULL, price_fen BIGINT NOT NULL, UNIQUE KEY (order_id))`,
  );
  for (let i = 1; i <= 300; i++) {
    await db.execute(`INSERT INTO positions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      i,
      `pf-${i % 7}`,
      `${600000 + i}.SH`,
      i * 100,
      i * 123457,
      i % 5 === 0 ? null : `备注 ${i} 'quoted' "dq" \\ back`,
      JSON.stringify({ n: i, tags: ['a', 'b'] }),
      Buffer.from([0, 1, 2, i % 256, 0xff]),
      `2025-01-02 09:30:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}`,
    ]);
  }
  for (let i = 1; i <= 50; i++)
    await db.execute(`INSERT INTO fills (order_id, price_fen) VALUES (?, ?)`, [`o-${i}`, 1000 + i]);
  dir = mkdtempSync(path.join(os.tmpdir(), 'ginkgo-backup-'));
}, 60_000);

afterAll(async () => {
  await db?.close();
  if (admin) {
    await admin.execute(`DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => undefined);
    await admin.close();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string>) => ({ ...process.env, BACKUP_DIR: dir, ...extra });
const backups = () =>
  readdirSync(dir)
    .filter((f) => f.startsWith(`${dbName}-`))
    .sort();

describe('database backup and restore scripts (real MariaDB)', () => {
  test('S8.03 backup.sh writes a gzipped consistent dump and applies retention in days to its own files only', async () => {
    // Earlier backups: one past retention, one within, and another database's file past retention.
    const old = path.join(dir, `${dbName}-20200101T000000Z.sql.gz`);
    const recent = path.join(dir, `${dbName}-20200102T000000Z.sql.gz`);
    const foreign = path.join(dir, `otherdb-20200101T000000Z.sql.gz`);
    for (const f of [old, recent, foreign]) writeFileSync(f, gzipSync('-- old\n'));
    touchDaysAgo(old, 3);
    touchDaysAgo(recent, 1);
    touchDaysAgo(foreign, 30);

    const r = await run('bash', [backupSh], { env: env({ MYSQL_URL: scratchUrl(), RETENTION_DAYS: '2' }) });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/backup written: .*\.sql\.gz/);
    expect(r.stdout).toContain(`deleted (older than 2 days): ${old}`);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(foreign)).toBe(true);
    const written = backups().filter((f) => !f.startsWith(`${dbName}-2020`));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(new RegExp(`^${dbName}-\\d{8}T\\d{6}Z\\.sql\\.gz$`));
    const sql = gunzipSync(readFileSync(path.join(dir, written[0]!))).toString('utf8');
    expect(sql).toContain('CREATE TABLE `positions`');
    expect(sql).toContain('CREATE TABLE `fills`');
    expect(sql).not.toContain('CREATE DATABASE'); // restorable into any database
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  test('S8.03 a failed backup exits non-zero and leaves no backup file behind', async () => {
    const before = backups();
    const r = await run('bash', [backupSh], { env: env({ MYSQL_URL: scratchUrl('wrong-password') }) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Access denied/i);
    expect(backups()).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    const bad = await run('bash', [backupSh], { env: env({ MYSQL_URL: 'postgres://x@y/z' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('MYSQL_URL must look like mysql://');
  });

  test('S8.04 restore.sh brings back exactly the backed-up data after changes', async () => {
    const before = await snapshot();
    // Change data after the backup: updates, deletes, inserts, a dropped table.
    await db.execute(`UPDATE positions SET volume = volume + 1, note = 'changed' WHERE id % 3 = 0`);
    await db.execute(`DELETE FROM positions WHERE id > 250`);
    await db.execute(
      `INSERT INTO positions VALUES (1000, 'pf-x', '000001.SZ', 1, 1, NULL, NULL, NULL, '2025-01-03 10:00:00.000')`,
    );
    await db.execute(`DROP TABLE fills`);
    expect(await snapshot()).not.toBe(before);

    // Without --yes nothing is touched.
    const refused = await run('bash', [restoreSh, '--latest'], { env: env({ MYSQL_URL: scratchUrl() }) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`refusing to overwrite database ${dbName} without --yes`);
    expect(await snapshot()).not.toBe(before);

    const r = await run('bash', [restoreSh, '--yes', '--latest'], { env: env({ MYSQL_URL: scratchUrl() }) });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // --latest picks the newest backup of this database, not another database's file.
    expect(r.stdout).toMatch(
      new RegExp(`restored .*/${dbName}-2\\d{3}[01]\\d{3}T\\d{6}Z\\.sql\\.gz into database ${dbName}`),
    );
    expect(r.stdout).not.toContain(`${dbName}-2020`);
    expect(await snapshot()).toBe(before);
    const [{ n }] = (await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM positions WHERE note LIKE '备注%'`)) as [
      { n: number },
    ];
    expect(n).toBe(240);
  });

  test('S8.04 restore.sh refuses a corrupt backup before touching the database', async () => {
    const before = await snapshot();
    const corrupt = path.join(dir, `${dbName}-29991231T000000Z.sql.gz`);
    writeFileSync(
      corrupt,
      Buffer.concat([gzipSync('DROP TABLE positions;\n').subarray(0, 12), Buffer.from('garbage')]),
    );
    const r = await run('bash', [restoreSh, '--yes', corrupt], { env: env({ MYSQL_URL: scratchUrl() }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('backup file is corrupt');
    expect(await snapshot()).toBe(before);
    rmSync(corrupt);
  });
});
