import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SubmitOrder } from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry } from '@ginkgo/core';
import { MySqlDatabase, RedisHotStateStore } from '@ginkgo/platform';
import { type TcpProxy } from '@ginkgo/platform/testing';
import {
  MySqlPortfolioStateStore,
  SpoolingStateStore,
  StateSpool,
  hotKeys,
  totalsOf,
  type PortfolioHotSummary,
  type SpoolEntry,
} from '../src/index.js';
import { env, quiet, topics, waitFor } from './helpers.js';
import { buyAndHold, nodeTestBed, type TestNode } from './node-fixture.js';
import { metricValue, proxyFor, readyz, scrape } from './resilience-helpers.js';

/**
 * Redis and MySQL outages with the real servers: the node (in process) reaches Redis and MySQL through TCP
 * proxies that the test cuts (every connection reset, new ones refused) and restores; the shared servers keep
 * running. Kafka and the API server stay reachable; the test plays the operator.
 */
describe('node-runtime when Redis or MySQL is unreachable', () => {
  const bed = nodeTestBed('node-res', 'nr', 2);
  const { s, nodeId, db } = bed;
  const [codeA, codeB] = bed.codes as [string, string];
  let redis: { proxy: TcpProxy; url: string };
  let mysql: { proxy: TcpProxy; url: string };
  let spoolDir: string;
  let hotReader: RedisHotStateStore;
  let node: TestNode;
  let orders: { items: SubmitOrder[] };
  let seq = 0;
  const send = (code: string, price: number) => {
    seq++;
    return bed.sendTick(code, `nr-${s}-${seq}`, price, seq, seq);
  };
  const spec = (code: string) => buyAndHold([code]);
  const startPortfolio = (name: string, code: string) => bed.startPortfolio(name, [code]);
  const metrics = () => scrape(node.healthPort);

  beforeAll(async () => {
    await bed.setUp();
    redis = await proxyFor('REDIS_URL');
    mysql = await proxyFor('MYSQL_URL');
    spoolDir = await mkdtemp(path.join(os.tmpdir(), 'node-res-spool-'));
    hotReader = await RedisHotStateStore.connect(env('REDIS_URL'));
    orders = await bed.collect<SubmitOrder>(topics.orders('cn'), (o) => o.portfolioId?.startsWith(`nr-${s}`));
    node = await bed.startNode(nodeId, {
      REDIS_URL: redis.url,
      MYSQL_URL: mysql.url,
      SPOOL_DIR: spoolDir,
      HOT_STATE_INTERVAL_MS: '200',
      HOT_STATE_TTL_SECONDS: '30',
      DEPENDENCY_CHECK_INTERVAL_MS: '300',
      STATE_RETRY_BASE_MS: '50',
      SPOOL_FLUSH_INTERVAL_MS: '300',
      MONITOR_INTERVAL_MS: '500',
    });
  }, 60000);

  afterAll(async () => {
    redis?.proxy.restore();
    mysql?.proxy.restore();
    await bed.tearDown();
    hotReader?.client.disconnect();
    await redis?.proxy.close();
    await mysql?.proxy.close();
    await rm(spoolDir, { recursive: true, force: true });
  }, 60000);

  test('S5.02 Redis cut: degraded mode (metric), trading goes on from memory, readiness stays true; hot state with TTLs written once Redis is back', async () => {
    const name = `nr-${s}-a`;
    await startPortfolio(name, codeA);
    // Hot state flows while Redis is up: node status with a TTL; Redis memory monitor wired (S5.07).
    await waitFor('node status in Redis', () => hotReader.getJson(hotKeys.node(nodeId)));
    expect(await hotReader.client.ttl(hotKeys.node(nodeId))).toBeGreaterThan(0);
    await waitFor(
      'Redis memory sampled',
      async () => (metricValue(await metrics(), 'ginkgo_redis_used_memory_bytes') ?? 0) > 0 || undefined,
    );

    redis.proxy.cut();
    const cutAt = Date.now();
    await send(codeA, 1000);
    // Trading goes on: the tick becomes an order although Redis is unreachable.
    const order = await waitFor('order while Redis is cut', () => orders.items.find((o) => o.portfolioId === name));
    expect(order).toMatchObject({ clientOrderId: `${name}-1`, code: codeA, epoch: 1, nodeId });
    await waitFor('degraded metric', async () => {
      const m = await metrics();
      return metricValue(m, 'ginkgo_node_redis_degraded') === 1 &&
        metricValue(m, 'ginkgo_node_dependency_up', 'dependency="redis"') === 0
        ? true
        : undefined;
    });
    expect(await readyz(node.healthPort)).toBe(200);
    expect(node.hot.degraded).toBe(true);
    expect(node.hot.pendingKeys).toBeGreaterThan(0);
    // Nothing reached Redis meanwhile (the proxy is cut): the summary written later is the one kept in memory.
    const before = await hotReader.getJson<PortfolioHotSummary>(hotKeys.portfolio(name));
    expect(before === undefined || before.updatedAt < cutAt).toBe(true);
    await send(codeA, 1010);
    const secondId = `nr-${s}-${seq}`;
    await waitFor(
      'second tick applied',
      () => node.node.worker(name)?.engine.snapshot().seenEventIds.includes(secondId) || undefined,
    );

    redis.proxy.restore();
    await waitFor(
      'degraded mode over',
      async () => (metricValue(await metrics(), 'ginkgo_node_redis_degraded') === 0 ? true : undefined),
      45000,
    );
    // The summary in Redis is the one kept in memory: the node's current view of the portfolio.
    await waitFor('portfolio summary in Redis', async () => {
      const v = await hotReader.getJson<PortfolioHotSummary>(hotKeys.portfolio(name));
      const view = node.node.worker(name)!.engine.view();
      return v &&
        v.updatedAt > cutAt &&
        v.portfolioId === name &&
        v.nodeId === nodeId &&
        v.cash === view.cash &&
        v.equity === view.equity &&
        v.openOrders === view.openOrders.length
        ? v
        : undefined;
    });
    // The last price seen while Redis was cut reaches it (the latest per code, not each tick).
    await waitFor(
      'last price in Redis',
      async () => (await hotReader.getJson<{ price: number }>(hotKeys.price('cn', codeA)))?.price === 1010 || undefined,
    );
    for (const key of [hotKeys.portfolio(name), hotKeys.price('cn', codeA), hotKeys.node(nodeId)]) {
      const ttl = await hotReader.client.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);
    }
    await waitFor(
      'redis up again in the metric',
      async () => metricValue(await metrics(), 'ginkgo_node_dependency_up', 'dependency="redis"') === 1 || undefined,
    );
  });

  test('S5.03 MySQL cut: writes retried, then spooled to disk in order (alert metric); trading goes on; flushed in order when MySQL returns', async () => {
    const name = `nr-${s}-b`;
    await startPortfolio(name, codeB);
    // Disk space is watched where the spool writes (S7.03).
    await waitFor(
      'spool disk metric',
      async () => (metricValue(await metrics(), 'ginkgo_disk_free_bytes', `path="${spoolDir}"`) ?? 0) > 0 || undefined,
    );

    mysql.proxy.cut();
    const prices = [1000, 1001, 1002, 1003, 1004];
    const ids = prices.map((_, i) => `nr-${s}-${seq + 1 + i}`);
    for (const p of prices) await send(codeB, p);
    const order = await waitFor('order while MySQL is cut', () => orders.items.find((o) => o.portfolioId === name));
    expect(order).toMatchObject({ clientOrderId: `${name}-1`, code: codeB });
    await waitFor('every tick applied', () => {
      const seen = new Set(node.node.worker(name)?.engine.snapshot().seenEventIds ?? []);
      return ids.every((id) => seen.has(id)) || undefined;
    });
    // The engine has the ticks; their save (one per burst) retries against the cut MySQL, then spools.
    const m = await waitFor('state writes spooling', async () => {
      const text = await metrics();
      return metricValue(text, 'ginkgo_node_state_spooling') === 1 ? text : undefined;
    });
    expect(metricValue(m, 'ginkgo_node_state_save_retries_total')).toBeGreaterThan(0);
    expect(await readyz(node.healthPort)).toBe(200);
    // The spool on disk holds this portfolio's writes in order (input offsets never go back).
    const spoolFile = path.join(spoolDir, `state-${nodeId}.jsonl`);
    // Saves are batched (one per run of queued events), so the spool holds at least the state after the last tick.
    const ours = await waitFor('the state after the last tick spooled', async () => {
      const spooled = (await readFile(spoolFile, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as SpoolEntry);
      const mine = spooled.flatMap((e) => (e.kind === 'save' && e.state.portfolioId === name ? [e] : []));
      const last = mine.at(-1);
      return last?.kind === 'save' && ids.every((id) => last.state.snapshot.seenEventIds.includes(id))
        ? mine
        : undefined;
    });
    expect(ours.length).toBeGreaterThanOrEqual(1);
    const offsetOf = (e: SpoolEntry) =>
      e.kind === 'save'
        ? Object.entries(e.state.inputPositions ?? {})
            .filter(([k]) => k.startsWith(topics.marketData('cn')))
            .map(([, v]) => BigInt(v))
            .reduce((a, b) => (a > b ? a : b), -1n)
        : -1n;
    const offsets = ours.map(offsetOf);
    expect([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(offsets);
    expect(ours.map((e) => e.seq)).toEqual([...ours.map((e) => e.seq)].sort((a, b) => a - b));
    const finalPositions = node.node.worker(name)!.inputPositions();

    // MySQL back: watch the row while the spool drains; it only moves forward and ends at the last state.
    mysql.proxy.restore();
    const seen: bigint[] = [];
    await waitFor(
      'spool flushed',
      async () => {
        const rows = await db.query<{ input_positions: string | null }>(
          'SELECT input_positions FROM portfolio_state WHERE portfolio_id = ?',
          [name],
        );
        const pos = JSON.parse(rows[0]?.input_positions ?? '{}') as Record<string, string>;
        const md = Object.entries(pos)
          .filter(([k]) => k.startsWith(topics.marketData('cn')))
          .map(([, v]) => BigInt(v));
        if (md.length) seen.push(md.reduce((a, b) => (a > b ? a : b)));
        return metricValue(await metrics(), 'ginkgo_node_state_spooling') === 0 && node.stateStore.spooledEntries === 0
          ? true
          : undefined;
      },
      45000,
    );
    expect([...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(seen);
    // MySQL holds the state the node has in memory (compared when they settle: other tests' session events
    // on the shared topic may still move it forward).
    const row = await waitFor('MySQL equals the in-memory state', async () => {
      const r = (
        await db.query<{ input_positions: string; cash_minor: number; snapshot: string }>(
          'SELECT input_positions, cash_minor, snapshot FROM portfolio_state WHERE portfolio_id = ?',
          [name],
        )
      )[0];
      const w = node.node.worker(name)!;
      return r &&
        r.input_positions === JSON.stringify(w.inputPositions()) &&
        r.snapshot === JSON.stringify(w.engine.snapshot())
        ? r
        : undefined;
    });
    expect(Object.keys(JSON.parse(row.input_positions) as object)).toEqual(
      expect.arrayContaining(Object.keys(finalPositions)),
    );
    expect(Number(row.cash_minor)).toBe(node.node.worker(name)!.engine.view().cash);
    expect((await readFile(spoolFile, 'utf8')).trim()).toBe('');
    // Trading and direct saves go on after the flush.
    await send(codeB, 1005);
    await waitFor('direct save after the flush', async () => {
      const r = await db.query<{ input_positions: string }>(
        'SELECT input_positions FROM portfolio_state WHERE portfolio_id = ?',
        [name],
      );
      return r[0]?.input_positions === JSON.stringify(node.node.worker(name)!.inputPositions()) &&
        (node.node.worker(name)?.processed ?? 0) > prices.length
        ? true
        : undefined;
    });
  });

  test('a spooled write is durable: a process that dies while spooling leaves it on disk, and the next start flushes it to MySQL', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'node-res-crash-'));
    const proxied = new MySqlDatabase(mysql.url, { acquireTimeoutMs: 2000 });
    const name = `nr-${s}-crash`;
    const engine = PortfolioEngine.create({
      portfolioId: name,
      spec: (await import('@ginkgo/contracts')).PortfolioSpec.parse(spec(codeB)),
      registry: createDefaultRegistry(),
    });
    const state = {
      portfolioId: name,
      epoch: 1,
      nodeId,
      snapshot: engine.snapshot(),
      inputPositions: { 'market.data.cn:0': '41' },
    };
    try {
      const crashed = await StateSpool.open(dir, 'crashy');
      const first = new SpoolingStateStore(new MySqlPortfolioStateStore(proxied), crashed, {
        logger: quiet(),
        retries: 2,
        retryBaseMs: 10,
      });
      mysql.proxy.cut();
      expect(await first.save(state, totalsOf(engine.view()))).toBe(true);
      expect(first.spooledEntries).toBe(1);
      // "Crash": the store is abandoned without a flush or close; only the fsync'ed file remains.
      mysql.proxy.restore();
      const spool = await StateSpool.open(dir, 'crashy');
      expect(spool.size).toBe(1);
      const second = new SpoolingStateStore(new MySqlPortfolioStateStore(proxied), spool, { logger: quiet() });
      expect((await second.load(name))?.inputPositions).toEqual(state.inputPositions);
      await second.flush();
      expect(second.spooledEntries).toBe(0);
      const rows = await db.query<{ input_positions: string }>(
        'SELECT input_positions FROM portfolio_state WHERE portfolio_id = ?',
        [name],
      );
      expect(JSON.parse(rows[0]!.input_positions)).toEqual(state.inputPositions);
      await spool.close();
      await crashed.close();
    } finally {
      mysql.proxy.restore();
      await db.execute('DELETE FROM portfolio_state WHERE portfolio_id = ?', [name]);
      await proxied.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
