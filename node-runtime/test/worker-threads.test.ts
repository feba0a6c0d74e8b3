import { PortfolioSpec, topics, type OrderMessage, type PortfolioSpecInput } from '@ginkgo/contracts';
import { InMemoryMessageBus, createLogger } from '@ginkgo/platform';
import {
  ExecutionNode,
  InMemoryPortfolioStateStore,
  Watchdog,
  type Assignment,
  type Stall,
  type WorkerHandle,
} from '../src/index.js';
import { nodeShardSetupRef } from '../src/shards/node-shard-setup.js';
import { ThreadedWorkerHost } from '../src/shards/threaded-worker-host.js';
import { gatewayAnswers, shanghaiTs, tick } from './helpers.js';
import { waitFor } from '@ginkgo/platform/testing';

const logger = createLogger('worker-threads-test').child({}, { level: process.env.LOG_LEVEL ?? 'silent' });
const CODES = ['600101.SH', '600102.SH', '600103.SH', '600104.SH'] as const;

const spec = (i: number, codes: readonly string[]): PortfolioSpecInput => ({
  market: 'cn',
  initialCash: '1000000.00',
  strategy:
    i % 2 === 0
      ? { name: 'ma-cross', params: { short: 2 + (i % 3), long: 5 + i, volume: 100 } }
      : { name: 'buy-and-hold', params: {} },
  sizer: { name: 'fixed-volume', params: { volume: 100 } },
  interestedCodes: [...codes],
});
const assignment = (i: number, epoch = 1, codes: readonly string[] = CODES.slice(i % 2, (i % 2) + 3)): Assignment => ({
  portfolioId: `p${i}`,
  spec: PortfolioSpec.parse(spec(i, codes)),
  epoch,
  generation: epoch,
});

/**
 * One script of a trading day on an in-memory bus: ticks, the gateway's fills, a halt, an interest change in
 * place and a restart on a new epoch, with the bus drained between steps. Returns every order sent and the state
 * each portfolio saved last.
 */
async function tradingDay(threads: number): Promise<{ orders: OrderMessage[]; states: Record<string, unknown> }> {
  const bus = new InMemoryMessageBus();
  const store = new InMemoryPortfolioStateStore();
  const host =
    threads > 0
      ? await ThreadedWorkerHost.create({
          threads,
          nodeId: 'n1',
          setup: nodeShardSetupRef({ strategyPackages: [] }),
          logger,
          onFatal: (err) => {
            throw err;
          },
        })
      : undefined;
  const node = new ExecutionNode<WorkerHandle>({
    nodeId: 'n1',
    markets: ['cn'],
    bus,
    stateStore: store,
    status: { report: () => undefined },
    logger,
    ...(host ? { workerHost: host } : {}),
  });
  const producer = await bus.producer();
  const orders = () => bus.messages(topics.orders('cn')).map((m) => JSON.parse(m.value ?? 'null') as OrderMessage);
  let filled = 0;
  let second = 0;
  const ticks = async (n: number) => {
    for (let k = 0; k < n; k++, second++) {
      const code = CODES[second % CODES.length]!;
      // A saw-tooth around 10.00: the moving averages cross again and again.
      const price = 1000 + ((second * 7) % 23) * 5 - 50;
      await producer.send(topics.marketData('cn'), [
        { key: code, value: JSON.stringify(tick(`t${second}`, code, price, second)) },
      ]);
    }
    await bus.idle();
  };
  /** The gateway: every new submit accepted and filled. */
  const fill = async () => {
    const submits = orders().filter((o) => o.type === 'submit');
    for (const o of submits.slice(filled)) {
      const events = gatewayAnswers(o, `b-${o.clientOrderId}`, shanghaiTs('2026-11-24', '10:30'), [
        { event: 'ACCEPTED' },
        { event: 'FILLED', fillId: `f-${o.clientOrderId}`, fillVolume: o.volume },
      ]);
      await producer.send(
        topics.orderEvents('cn'),
        events.map((e) => ({ key: e.portfolioId, value: JSON.stringify(e) })),
      );
    }
    filled = submits.length;
    await bus.idle();
  };
  await node.start();
  for (let i = 0; i < 6; i++) await node.assign(assignment(i));
  await ticks(40);
  await fill();
  await node.setHalted('p1', true);
  await node.assign(assignment(2, 1, CODES));
  await ticks(40);
  await fill();
  await node.unassign('p4', 'moved');
  await ticks(8);
  await node.assign(assignment(4, 2));
  await ticks(40);
  await fill();
  await node.stop();
  await host?.close();
  const states: Record<string, unknown> = {};
  for (let i = 0; i < 6; i++) states[`p${i}`] = (await store.load(`p${i}`))?.snapshot;
  return { orders: orders(), states };
}

/** A node on an in-memory bus and store whose workers run on `host`'s threads. */
const threadedNode = (bus: InMemoryMessageBus, host: ThreadedWorkerHost) =>
  new ExecutionNode({
    nodeId: 'n1',
    markets: ['cn'],
    bus,
    stateStore: new InMemoryPortfolioStateStore(),
    status: { report: () => undefined },
    logger,
    workerHost: host,
  });

describe('worker threads (NODE_WORKER_THREADS)', () => {
  test('portfolios on two worker threads send the same orders and save the same states as on the node’s own thread', async () => {
    const local = await tradingDay(0);
    const threaded = await tradingDay(2);
    expect(local.orders.length).toBeGreaterThan(10);
    expect(new Set(local.orders.map((o) => o.type))).toEqual(new Set(['submit', 'cancel']));
    expect(threaded.orders).toEqual(local.orders);
    expect(threaded.states).toEqual(local.states);
  });

  test('the portfolios are spread evenly over the threads, and a thread that cannot load its setup stops the start', async () => {
    const host = await ThreadedWorkerHost.create({
      threads: 2,
      nodeId: 'n1',
      setup: nodeShardSetupRef({ strategyPackages: [] }),
      logger,
      onFatal: () => undefined,
    });
    const bus = new InMemoryMessageBus();
    const node = threadedNode(bus, host);
    await node.start();
    await Promise.all([0, 1, 2, 3].map((i) => node.assign(assignment(i))));
    const shards = [0, 1, 2, 3].map((i) => host.shardOf(`p${i}`));
    expect(shards.filter((s) => s === 0)).toHaveLength(2);
    expect(shards.filter((s) => s === 1)).toHaveLength(2);
    await node.stop();
    await host.close();
    await expect(
      ThreadedWorkerHost.create({
        threads: 1,
        nodeId: 'n1',
        setup: nodeShardSetupRef({ strategyPackages: ['@acme/not-installed'] }),
        logger,
        onFatal: () => undefined,
      }),
    ).rejects.toThrow(/@acme\/not-installed/);
  });

  test('S7.04 a component blocking its worker thread is reported stalled by the watchdog on the node’s thread, and recovered after', async () => {
    const host = await ThreadedWorkerHost.create({
      threads: 1,
      nodeId: 'n1',
      setup: {
        module: new URL('./fixtures/busy-loop-shard-setup.mjs', import.meta.url).href,
        export: 'busyLoopShardSetup',
      },
      logger,
      onFatal: () => undefined,
    });
    const bus = new InMemoryMessageBus();
    const node = threadedNode(bus, host);
    const stalls: Stall[] = [];
    const recovered: string[] = [];
    const watchdog = new Watchdog({
      workers: () => node.runningWorkers(),
      stallMs: 500,
      everyMs: 100,
      logger,
      onStall: (st) => stalls.push(st),
      onRecovered: (r) => recovered.push(r.portfolioId),
    });
    await node.start();
    const a = assignment(0);
    await node.assign({ ...a, spec: { ...a.spec, strategy: { name: 'busy-loop', params: {} } } });
    watchdog.start();
    const producer = await bus.producer();
    const code = a.spec.interestedCodes[0]!;
    await producer.send(topics.marketData('cn'), [{ key: code, value: JSON.stringify(tick('slow', code, 1090, 1)) }]);
    await waitFor('the stall reported', () => stalls[0]);
    expect(stalls[0]!.portfolioId).toBe('p0');
    await waitFor('the recovery reported', () => recovered[0]);
    expect(recovered).toEqual(['p0']);
    watchdog.stop();
    await node.stop();
    await host.close();
  });
});
