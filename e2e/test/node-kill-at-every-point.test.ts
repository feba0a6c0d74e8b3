import { OrderMessage, portfolioResource, topics, type OrderEvent, type PriceUpdate } from '@ginkgo/contracts';
import { KafkaMessageBus, MySqlDatabase, checkMessage, createLogger } from '@ginkgo/platform';
import { testBedEnv, buyAndHoldSpec } from '@ginkgo/platform/testing';
import { applyPortfolio, createNamespace, getPortfolio, patchPortfolio, testKube } from './support/kube.js';
import { eventually, startProcess, waitReady, type ManagedProcess } from './support/processes.js';
import { shanghaiTs } from './support/market-time.js';
import { uniqueCodes } from './support/isolation.js';

/**
 * Exactly-once under crashes: a victim node-runtime process is SIGKILLed at every point of the pipeline
 * (after consume, after the engine handled the event, after the orders went out, after the state was saved
 * but before the offset commit), restarted each time, while a control process runs an identical portfolio
 * without interruption. Final state and the set of orders must be equal. The test plays the operator
 * (status.assignedNode/epoch) and the gateway (dedupe by client order id, outcome re-sent for a replay).
 */
const s = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const namespace = `e2e-nodekill-${s}`;
const points = ['after-consume', 'after-handle', 'after-publish', 'after-save'] as const;
const codes = uniqueCodes(points.length + 1);
const ctl = `ctl-${s}`;
const vic = `vic-${s}`;
const { group, version, plural } = portfolioResource;
/** Every tick of this test on one partition: a node's group then has a committed offset before any crash. */
const tickKey = `nodekill-${s}`;

describe('node-runtime: kill at every point of the pipeline', () => {
  const clients = testKube();
  const env = {
    ...testBedEnv(namespace),
    NODE_LEASE_SECONDS: '6',
    STATUS_INTERVAL_MS: '100',
    REFERENCE_CLOCK: 'source',
  };
  const procs: ManagedProcess[] = [];
  const bus = new KafkaMessageBus({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: `e2e-nodekill-${s}`,
    logger: createLogger('e2e'),
  });
  const db = new MySqlDatabase(env.MYSQL_URL);
  /** The gateway's ledger: outcome events per client order id; a replayed order gets them again. */
  const ledger = new Map<string, OrderEvent[]>();
  const submitsSeen: Record<string, number> = {};

  const startNode = async (nodeId: string, extra: Record<string, string> = {}) => {
    const p = await startProcess(nodeId, 'node-runtime', { ...env, NODE_ID: nodeId, ...extra });
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    await createNamespace(clients, namespace);
  });

  afterAll(async () => {
    for (const p of procs) await p.stop().catch(() => undefined);
    await bus.close();
    await db.close();
    for (const name of [ctl, vic])
      await clients.custom
        .deleteNamespacedCustomObject({ group, version, namespace, plural, name })
        .catch(() => undefined);
    for (const n of ['ctl', 'vic'])
      await clients.coordination.deleteNamespacedLease({ name: `node-${n}-${s}`, namespace }).catch(() => undefined);
    await clients.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }, 60000);

  test('S9.01 S6.08 final state and orders after a crash at every point equal an uninterrupted run', async () => {
    const producer = await bus.producer();
    const gateway = await bus.consumer({ groupId: `e2e-nodekill-gw-${s}`, topics: [topics.orders('cn')] });
    await gateway.run(async (m) => {
      // orders.cn also carries the malformed values of kafka-fuzz: only schema-valid orders are answered.
      const checked = checkMessage(OrderMessage, m);
      if (!checked.ok) return;
      const o = checked.value;
      if (o.type !== 'submit' || (o.portfolioId !== ctl && o.portfolioId !== vic)) return;
      submitsSeen[o.portfolioId] = (submitsSeen[o.portfolioId] ?? 0) + 1;
      let events = ledger.get(o.clientOrderId);
      if (!events) {
        const base = {
          type: 'order' as const,
          market: 'cn',
          portfolioId: o.portfolioId,
          clientOrderId: o.clientOrderId,
          brokerOrderId: `b-${o.clientOrderId}`,
        };
        events = [
          { ...base, eventId: `${o.clientOrderId}:1`, seq: 1, ts: o.ts, event: 'ACCEPTED' },
          {
            ...base,
            eventId: `${o.clientOrderId}:2`,
            seq: 2,
            ts: o.ts,
            event: 'FILLED',
            fillId: `f-${o.clientOrderId}`,
            fillVolume: o.volume,
            fillPrice: o.price,
          },
        ];
        ledger.set(o.clientOrderId, events);
      }
      await producer.send(
        topics.orderEvents('cn'),
        events.map((e) => ({ key: e.portfolioId, value: JSON.stringify(e) })),
      );
    });
    await gateway.joined();

    const spec = buyAndHoldSpec(codes);
    const control = await startNode(`ctl-${s}`);
    let victim = await startNode(`vic-${s}`);
    await Promise.all([waitReady(control), waitReady(victim)]);
    for (const [name, node] of [
      [ctl, `ctl-${s}`],
      [vic, `vic-${s}`],
    ] as const) {
      await applyPortfolio(clients, namespace, name, spec);
      await patchPortfolio(
        clients,
        namespace,
        name,
        { status: { phase: 'Assigned', assignedNode: node, epoch: 1 } },
        true,
      );
    }
    for (const name of [ctl, vic]) {
      await eventually(
        `${name} running`,
        async () => ((await getPortfolio(clients, namespace, name))?.status?.phase === 'Running' ? true : undefined),
        60000,
      );
    }

    const volume = async (name: string, code: string) =>
      Number(
        (
          await db.query<{ volume: number }>(
            'SELECT volume FROM portfolio_position WHERE portfolio_id = ? AND code = ?',
            [name, code],
          )
        )[0]?.volume ?? 0,
      );
    const sendTick = async (i: number) => {
      const t: PriceUpdate = {
        type: 'price',
        eventId: `nodekill-${s}-${i}`,
        ts: shanghaiTs('2026-11-24', '10:00', i),
        seq: i,
        market: 'cn',
        code: codes[i]!,
        kind: 'tick',
        price: 1000 + i,
        volume: 1000,
        prevClose: 1000,
      };
      await producer.send(topics.marketData('cn'), [{ key: tickKey, value: JSON.stringify(t) }]);
    };
    const bothHold = (i: number) =>
      eventually(
        `both hold ${codes[i]}`,
        async () =>
          (await volume(ctl, codes[i]!)) === 100 && (await volume(vic, codes[i]!)) === 100 ? true : undefined,
        60000,
      );

    // Warm-up: both nodes trade once, so the victim's group has committed offsets before any crash.
    await sendTick(0);
    await bothHold(0);

    for (const [k, point] of points.entries()) {
      await victim.stop();
      victim = await startNode(`vic-${s}`, { GINKGO_CRASH_AT: `${point}:1` });
      // Other tests' ticks share the topic: after-consume may fire on one of them, even before ready.
      const crashing = victim;
      await Promise.race([waitReady(crashing).catch(() => undefined), crashing.exited]);
      await sendTick(k + 1);
      await victim.exited;
      expect(victim.logs.join('\n')).toContain(`killing the process at ${point}`);
      victim = await startNode(`vic-${s}`);
      await waitReady(victim);
      await bothHold(k + 1);
    }

    const totals = async (name: string) => {
      const [st] = await db.query<{ cash_minor: number; equity_minor: number }>(
        'SELECT cash_minor, equity_minor FROM portfolio_state WHERE portfolio_id = ?',
        [name],
      );
      const pos = await db.query<{ code: string; volume: number; sellable: number; avg_cost_minor: number }>(
        'SELECT code, volume, sellable, avg_cost_minor FROM portfolio_position WHERE portfolio_id = ? ORDER BY code',
        [name],
      );
      return {
        cash: Number(st?.cash_minor),
        equity: Number(st?.equity_minor),
        positions: pos.map((p) => [p.code, Number(p.volume), Number(p.sellable), Number(p.avg_cost_minor)]),
      };
    };
    // Same state, same orders (ids equal up to the portfolio name), each traded once by the gateway.
    expect(await totals(vic)).toEqual(await totals(ctl));
    const orderSet = (name: string) =>
      [...ledger.keys()]
        .filter((id) => id.startsWith(`${name}-`))
        .map((id) => id.slice(name.length))
        .sort();
    expect(orderSet(vic)).toEqual(orderSet(ctl));
    expect(orderSet(vic)).toHaveLength(codes.length);
    // The replays re-sent orders (deduplicated by the gateway), never new ones.
    expect(submitsSeen[vic]).toBeGreaterThanOrEqual(codes.length);
    await gateway.close();
    await producer.close();
  }, 240000);
});
