import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { topics } from '@ginkgo/contracts';
import { RedisHotStateStore, deleteKafkaResources } from '@ginkgo/platform';
import { MySqlSettlementStore } from '@ginkgo/livecore';
import { runDemo } from '../src/index.js';
import { mysql, requireEnv, uniqueSuffix } from './support.js';

test('make demo with KAFKA_BROKERS, REDIS_URL and MYSQL_URL runs over the real servers on its own topics and prints the summary and report', async () => {
  const brokers = requireEnv('KAFKA_BROKERS');
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error('REDIS_URL is not set: run `make testbed-up`');
  const dir = await mkdtemp(join(tmpdir(), 'ginkgo-demo-'));
  const runId = `t${uniqueSuffix()}`;
  const lines: string[] = [];
  const result = await runDemo(
    {
      KAFKA_BROKERS: brokers,
      REDIS_URL: redisUrl,
      MYSQL_URL: requireEnv('MYSQL_URL'),
      DEMO_DAYS: '1',
      DEMO_KEEP: 'true',
      DEMO_REPORT_DIR: dir,
      DEMO_RUN_ID: runId,
    },
    (s = '') => lines.push(s),
  );
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: `demo-check-${runId}`,
    logLevel: logLevel.NOTHING,
  }).admin();
  const redis = await RedisHotStateStore.connect(redisUrl);
  const db = mysql();
  try {
    const output = lines.join('\n');
    expect(output).toMatch(/bus: Kafka .*topics demo-t/);
    // The summary table lists the three portfolios under their demo names, the report is on disk.
    const summary = output.slice(output.indexOf('\nSummary'));
    for (const name of ['ma-cross-demo', 'buy-and-hold-demo', 'breakout-demo'])
      expect(summary).toMatch(new RegExp(`\\n  ${name} +\\d+\\.\\d\\d +\\d`));
    expect(result.reportPath.startsWith(dir)).toBe(true);
    const html = await readFile(result.reportPath, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('ma-cross-demo');

    // The messages really went through Kafka: the run's own topics hold the tape, orders and their events.
    const prefix = `demo-${runId}.`;
    expect(result.topics).toEqual(
      expect.arrayContaining([
        `${prefix}${topics.marketData('cn')}`,
        `${prefix}${topics.orders('cn')}`,
        `${prefix}${topics.orderEvents('cn')}`,
      ]),
    );
    expect(result.topics.every((t) => t.startsWith(prefix))).toBe(true);
    await admin.connect();
    const existing = await admin.listTopics();
    const count = async (topic: string) =>
      (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    expect(existing).toEqual(expect.arrayContaining(result.topics));
    expect(await count(`${prefix}${topics.marketData('cn')}`)).toBeGreaterThan(100);
    const orders = await count(`${prefix}${topics.orders('cn')}`);
    expect(orders).toBeGreaterThan(0);
    expect(await count(`${prefix}${topics.orderEvents('cn')}`)).toBeGreaterThanOrEqual(orders);
    expect(output).toMatch(new RegExp(`Orders \\(${orders}\\)`));

    // Stepping the tape until the pipeline is quiet makes the run over Kafka trade exactly as the embedded one.
    const embedded: string[] = [];
    await runDemo({ DEMO_DAYS: '1', DEMO_REPORT_DIR: dir }, (l = '') => embedded.push(l));
    const table = (ls: string[]) => {
      const at = ls.findIndex((l) => l.trim() === 'Summary');
      return at < 0 ? [] : ls.slice(at, at + 6);
    };
    expect(table(lines)).toHaveLength(6);
    expect(table(lines)).toEqual(table(embedded));

    // Hot state: each portfolio's summary is in Redis; settlement reports are in MySQL under the run's ids.
    for (const id of result.portfolioIds) {
      expect(id.endsWith(`-${runId}`)).toBe(true);
      expect(await redis.getJson(`portfolio:${id}`)).toMatchObject({
        portfolioId: id,
        nodeId: 'demo-node',
        market: 'cn',
      });
      expect(await new MySqlSettlementStore(db).record(id, '2026-11-24')).toMatchObject({
        portfolioId: id,
        tradingDay: '2026-11-24',
      });
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
    for (const k of result.hotKeys) await redis.delete(k).catch(() => undefined);
    await redis.close();
    await db.close();
    const { failed } = await deleteKafkaResources({
      brokers: brokers.split(','),
      topics: result.topics,
      groups: result.groups,
    });
    expect(failed).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  }
});
