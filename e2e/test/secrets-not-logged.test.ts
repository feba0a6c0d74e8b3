import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { E2eCluster } from '../../operator/test/e2e-harness.js';
import { eventually, freePort, startProcess, waitReady, type ManagedProcess } from './support/processes.js';

/**
 * Credentials in connection URLs never reach a log line or /metrics. Each process runs with a password that
 * appears nowhere else (so a grep for it is meaningful): a private Redis requiring it, and, for the failure
 * paths (where URLs usually leak, in connection errors), a MySQL URL with a wrong password of the same kind.
 */
const secret = () => `Sx${randomBytes(9).toString('hex')}`;

async function privateRedis(password: string): Promise<{ url: string; stop: () => void; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await eventually('private redis listening', async () => {
    const net = await import('node:net');
    return new Promise<true | undefined>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(undefined));
    });
  });
  return { url: `redis://:${password}@127.0.0.1:${port}`, stop: () => child.kill('SIGTERM'), child };
}

async function metricsOf(p: ManagedProcess): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${p.healthPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('secrets never in logs or metrics', () => {
  const c = new E2eCluster('secrets');
  const stops: Array<() => Promise<unknown> | void> = [];
  beforeAll(() => c.start(), 120_000);
  afterAll(async () => {
    for (const s of stops.reverse()) await s();
    await c.stop();
  }, 120_000);

  test('operator, node-runtime and livecore running with passwords in their URLs: no log line and no metric contains them', async () => {
    const redisPassword = secret();
    const redis = await privateRedis(redisPassword);
    stops.push(redis.stop);
    const env = { ...c.env, REDIS_URL: redis.url, LOG_LEVEL: 'debug' };
    const node = await startProcess('node-runtime-secrets', 'node-runtime', {
      ...env,
      NODE_ID: c.nodeId('s1'),
      NODE_LEASE_SECONDS: '4',
      REFERENCE_CLOCK: 'source',
    });
    stops.push(() => node.stop());
    const livecore = await startProcess('livecore-secrets', 'livecore', { ...env, MARKET: 'cn' });
    stops.push(() => livecore.stop());
    await Promise.all([waitReady(node), waitReady(livecore)]);
    // The node really uses the password-protected Redis: its hot-state key appears there.
    await eventually(
      'node writes its hot state to the private Redis',
      async () => {
        const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
        await client.connect();
        const keys = await client.keys('*');
        await client.quit();
        return keys.some((k) => k.includes(c.nodeId('s1'))) ? keys : undefined;
      },
      30_000,
    );
    for (const p of [c.operator!, node, livecore]) {
      const metrics = await metricsOf(p);
      expect({ process: p.name, lines: p.logs.length > 0 }).toEqual({ process: p.name, lines: true });
      expect({ process: p.name, leaked: p.logs.filter((l) => l.includes(redisPassword)) }).toEqual({
        process: p.name,
        leaked: [],
      });
      expect({ process: p.name, inMetrics: metrics.includes(redisPassword) }).toEqual({
        process: p.name,
        inMetrics: false,
      });
      expect({ process: p.name, mysql: p.logs.filter((l) => l.includes('ginkgo:ginkgo@')) }).toEqual({
        process: p.name,
        mysql: [],
      });
    }
  }, 180_000);

  test('connection failures (wrong MySQL and Redis passwords) are logged without the password', async () => {
    const mysqlPassword = secret();
    const redisWrong = secret();
    const redis = await privateRedis(secret());
    stops.push(redis.stop);
    const mysql = new URL(c.env.MYSQL_URL!);
    mysql.password = mysqlPassword;
    const env = { ...c.env, MYSQL_URL: mysql.toString(), REDIS_URL: redis.url.replace(/:[^:@/]+@/, `:${redisWrong}@`) };
    const node = await startProcess('node-runtime-badauth', 'node-runtime', {
      ...env,
      NODE_ID: c.nodeId('s2'),
      REFERENCE_CLOCK: 'source',
    });
    stops.push(() => node.kill());
    const livecore = await startProcess('livecore-badauth', 'livecore', { ...env, MARKET: 'cn' });
    stops.push(() => livecore.kill());
    // Positive evidence that the failure path ran: an access-denied error logged by each (or the process exited with it).
    for (const p of [node, livecore]) {
      await eventually(
        `${p.name} reports the refused login`,
        async () =>
          p.logs.some((l) => /Access denied|ER_ACCESS_DENIED|WRONGPASS|invalid password/i.test(l)) ? true : undefined,
        60_000,
      );
      const all = p.logs.join('\n');
      expect({ process: p.name, mysql: all.includes(mysqlPassword), redis: all.includes(redisWrong) }).toEqual({
        process: p.name,
        mysql: false,
        redis: false,
      });
      if (p.child.exitCode === null) {
        const metrics = await metricsOf(p).catch(() => '');
        expect(metrics.includes(mysqlPassword) || metrics.includes(redisWrong)).toBe(false);
      }
    }
  }, 180_000);
});
