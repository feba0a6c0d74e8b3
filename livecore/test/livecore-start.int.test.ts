import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { topics } from '@ginkgo/contracts';
import { PortInUseError } from '@ginkgo/platform';
import { TcpProxy } from '@ginkgo/platform/testing';
import { LivecoreConfig, LinkError, startLivecore } from '../src/index.js';
import { eventually, requireEnv, uniqueSuffix } from './support.js';

/** Open TCP sockets and servers of this process: a start that fails must leave none of its own behind. */
const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;

async function listen(port = 0): Promise<net.Server> {
  const s = net.createServer((c) => c.end('held'));
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve());
  });
  return s;
}
const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

async function marketTopics(market: string): Promise<string[]> {
  const admin = new Kafka({
    clientId: 'livecore-start-test',
    brokers: requireEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => t.endsWith(`.${market}`) || t === topics.marketData(market));
  } finally {
    await admin.disconnect();
  }
}

describe('livecore start with a broken link', () => {
  test('S4.06 MySQL refusing connections: the error names MySQL, the health port already opened is released, no socket or topic is left', async () => {
    const market = `lf${uniqueSuffix()}`.slice(0, 16);
    // A real listener that resets every connection: MySQL is "there" but unusable.
    const mysql = await TcpProxy.start({ targetPort: Number(new URL(requireEnv('MYSQL_URL')).port) });
    mysql.cut();
    // A fixed health port (free now): the health server binds it before MySQL is tried.
    const probe = await listen();
    const healthPort = portOf(probe);
    await close(probe);
    const baseline = tcpHandles();
    try {
      const config = LivecoreConfig.parse({
        KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
        MYSQL_URL: `mysql://ginkgo:ginkgo@127.0.0.1:${mysql.port}/ginkgo`,
        HEALTH_PORT: String(healthPort),
        MARKET: market,
      });
      const err = await startLivecore(config).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LinkError);
      expect(String(err)).toContain(`livecore cannot reach MySQL at 127.0.0.1:${mysql.port} (MYSQL_URL)`);
      expect(mysql.refused).toBeGreaterThan(0); // it really tried
      // The health server it had opened is closed: the same port binds again (EADDRINUSE if it leaked).
      const again = await listen(healthPort);
      await close(again);
      // Every socket it opened is closed (the Kafka client never connected, the MySQL pool is ended).
      await eventually('livecore sockets closed', () => tcpHandles() <= baseline || undefined, 10_000);
      // Nothing half-written on the Kafka side: the market's topics and consumers were never created.
      expect(await marketTopics(market)).toEqual([]);
    } finally {
      await mysql.close();
    }
  }, 60_000);

  test('S4.06 the health port held by another listener: the error names HEALTH_PORT, the holder is untouched, nothing else is opened', async () => {
    const market = `lh${uniqueSuffix()}`.slice(0, 16);
    const holder = await listen();
    const baseline = tcpHandles();
    try {
      const config = LivecoreConfig.parse({
        KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
        MYSQL_URL: requireEnv('MYSQL_URL'),
        HEALTH_PORT: String(portOf(holder)),
        MARKET: market,
      });
      const err = await startLivecore(config).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PortInUseError);
      expect(String(err)).toContain(`livecore health endpoint (HEALTH_PORT): port ${portOf(holder)} is already in use`);
      // The other listener still owns the port and answers.
      const reply = await new Promise<string>((resolve, reject) => {
        const c = net.connect(portOf(holder), '127.0.0.1');
        let got = '';
        c.on('data', (d: Buffer) => (got += d.toString()));
        c.on('end', () => resolve(got));
        c.on('error', reject);
      });
      expect(reply).toBe('held');
      await eventually('livecore sockets closed', () => tcpHandles() <= baseline || undefined, 10_000);
      expect(await marketTopics(market)).toEqual([]);
    } finally {
      await close(holder);
    }
  }, 60_000);
});
