import {
  topics,
  type CorporateAction,
  type OrderMessage,
  type PortfolioResource,
  type SubmitOrder,
} from '@ginkgo/contracts';
import { KafkaMessageBus, MySqlDatabase, createLogger } from '@ginkgo/platform';
import { E2eCluster, eventually, withLivecoreAndNodes } from '../../operator/test/e2e-harness.js';
import { mergePatch } from '../../operator/test/kube-helpers.js';
import { uniqueCodes } from './support/isolation.js';
import { positionVolumes } from './support/positions.js';
import { shanghaiTs } from './support/market-time.js';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';

/** Live changes with the real processes: parameters, risk, migration between nodes, corporate actions. */
describe('e2e: changing running portfolios', () => {
  // 15 s Leases: nothing here is about failover, and on a loaded machine a 4 s Lease lapses and moves portfolios.
  const c = new E2eCluster('changes', 15);
  const [n1, n2] = withLivecoreAndNodes(c, ['n1', 'n2']) as [string, string];

  const submits = (orders: OrderMessage[], name: string) =>
    orders.filter((o): o is SubmitOrder => o.type === 'submit' && o.portfolioId === name);
  const position = (p: PortfolioResource | undefined, code: string) =>
    p?.status?.positions?.find((x) => x.code === code)?.volume;
  /** The node has applied events up to (at least) this source time. */
  const appliedUpTo = (name: string, ts: number) =>
    c.until(
      `${name} applied ${new Date(ts).toISOString()}`,
      name,
      (p) => !!p.status?.lastEventTime && Date.parse(p.status.lastEventTime) >= ts,
    );
  const generationRunning = (name: string, generation: number) =>
    c.until(
      `${name} running generation ${generation}`,
      name,
      (p) => p.status?.phase === 'Running' && (p.status.runningGeneration ?? 0) >= generation,
      60000,
    );

  test('S2.03 strategy params changed: restarted with the new params, events sent during the switch not lost', async () => {
    const name = `params-${c.suffix}`;
    const codes = uniqueCodes(4);
    await c.apply(name, { ...buyAndHoldSpec(codes), strategy: { name: 'buy-and-hold', params: { maxPrice: '5.00' } } });
    const started = await c.running(name);
    const w = await c.watchOrders([name]);
    try {
      const t0 = await c.tick(codes[0]!, 1000); // above maxPrice 5.00: no order under the old params
      await appliedUpTo(name, t0.ts);
      const switchStart = Date.now();
      await c.patch(name, { spec: { strategy: { name: 'buy-and-hold', params: { maxPrice: '20.00' } } } });
      // Ticks during the switch, below both limits: each buys once whether the old engine applied it before the
      // node saw the patch (nothing orders the API server's watch against Kafka) or the new one after the
      // restart replayed it. A tick lost or applied twice across the restart shows as a missing or extra order.
      for (const code of codes.slice(1)) await c.tick(code, 400);
      const got = await eventually(
        'an order per tick sent during the switch',
        async () => {
          const o = submits(w.orders, name);
          return o.length >= 3 ? o : undefined;
        },
        60000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; orders so far: ${JSON.stringify(submits(w.orders, name).map((o) => o.code))}`);
      });
      const switchMs = Date.now() - switchStart;
      process.stdout.write(`S2.03 parameter switch: the ticks sent during it ordered ${switchMs} ms after the patch\n`);
      expect(got.map((o) => o.code).sort()).toEqual(codes.slice(1).sort());
      await generationRunning(name, (started.metadata.generation ?? 1) + 1);
      // The first code, refused under the old params, buys on its next tick: the new params are active.
      await c.tick(codes[0]!, 1000);
      await eventually(
        'order for the first code',
        async () => (submits(w.orders, name).length === 4 ? true : undefined),
        45000,
      );
      const ids = submits(w.orders, name).map((o) => o.clientOrderId);
      expect(new Set(ids).size).toBe(4); // nothing duplicated across the restart
    } finally {
      await w.close();
    }
  }, 240000);

  test('S2.04 risk params changed: a blocking position limit is raised live and the next signal goes through', async () => {
    const name = `risk-${c.suffix}`;
    const codes = uniqueCodes(2);
    await c.apply(name, {
      ...buyAndHoldSpec(codes),
      riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.001, mode: 'block' } }],
    });
    const started = await c.running(name);
    const w = await c.watchOrders([name]);
    try {
      const blocked = await c.tick(codes[0]!, 1000); // 1000.00 of 100000.00 equity = 1% > 0.1%: blocked
      await appliedUpTo(name, blocked.ts);
      expect(submits(w.orders, name)).toHaveLength(0);
      await c.patch(name, {
        spec: { riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.5, mode: 'block' } }] },
      });
      await generationRunning(name, (started.metadata.generation ?? 1) + 1);
      await c.tick(codes[1]!, 1000);
      const got = await eventually(
        'order under the raised limit',
        async () => {
          const o = submits(w.orders, name);
          return o.length > 0 ? o : undefined;
        },
        45000,
      );
      expect(got.map((o) => [o.code, o.volume])).toEqual([[codes[1], 100]]);
    } finally {
      await w.close();
    }
  });

  test('S2.08 migration for balance: a portfolio moves to the other node with no lost tick and no duplicated order', async () => {
    const name = `move-${c.suffix}`;
    const codes = uniqueCodes(6);
    await c.apply(name, buyAndHoldSpec(codes));
    const before = await c.running(name);
    const from = before.status!.assignedNode!;
    const to = from === n1 ? n2 : n1;
    const w = await c.watchOrders([name]);
    try {
      await c.tick(codes[0]!, 1000);
      await c.until('first position', name, (p) => position(p, codes[0]!) === 100);
      const moveStart = Date.now();
      await c.clients.coordination.patchNamespacedLease(
        {
          name: `node-${from}`,
          namespace: c.namespace,
          body: { metadata: { annotations: { 'ginkgo.live/draining': 'true' } } },
        },
        mergePatch(),
      );
      // Ticks keep coming while the portfolio moves.
      for (const code of codes.slice(1, 5)) await c.tick(code, 1000);
      const moved = await c.running(name, to, 60000);
      const moveMs = Date.now() - moveStart;
      process.stdout.write(`S2.08 migration ${from} -> ${to}: running on the new node ${moveMs} ms after the drain\n`);
      expect(moved.status?.epoch).toBe(before.status!.epoch! + 1);
      // A clean hand-over: the old node stopped, persisted and released its epoch (a release written after the
      // move would be refused by the epoch check), and the operator moved on that, not on its timeout.
      expect(moved.status?.releasedEpoch).toBe(before.status!.epoch);
      const reasons = await eventually('the Drained event', async () => {
        const r = await c.eventReasons(name);
        return r.includes('Drained') ? r : undefined;
      });
      expect(reasons).toContain('HandingOver');
      expect(reasons).not.toContain('HandoverTimedOut');
      await c.tick(codes[5]!, 1000);
      const final = await c.until(
        'six positions',
        name,
        (p) => codes.every((code) => position(p, code) === 100),
        60000,
      );
      expect(final.status?.assignedNode).toBe(to);
      // The positions come from fills, so the orders are in the log; the watcher may still be reading them.
      await eventually(
        'the watcher has read six orders',
        async () => (submits(w.orders, name).length >= codes.length ? true : undefined),
        30000,
      );
      const ids = submits(w.orders, name).map((o) => o.clientOrderId);
      expect(ids.sort()).toEqual(codes.map((_, i) => `${name}-${i + 1}`).sort()); // one order per code, none twice
    } finally {
      await w.close();
      await c.clients.coordination.patchNamespacedLease(
        {
          name: `node-${from}`,
          namespace: c.namespace,
          body: { metadata: { annotations: { 'ginkgo.live/draining': 'false' } } },
        },
        mergePatch(),
      );
    }
  });

  test('S9.08 dividend and bonus shares are credited and recorded in MySQL', async () => {
    const name = `div-${c.suffix}`;
    const [code] = uniqueCodes(1) as [string];
    await c.apply(name, buyAndHoldSpec([code]));
    await c.running(name);
    await c.tick(code, 1000);
    const held = await c.until('position', name, (p) => position(p, code) === 100);
    const cashBefore = held.status!.cash!;
    // 0.50 per share cash dividend and 2 bonus shares per 10 (12/10), announced on the market data topic.
    const action: CorporateAction = {
      type: 'corporate-action',
      eventId: `div-${c.suffix}`,
      ts: shanghaiTs('2026-11-24', '11:00'),
      seq: 1,
      market: 'cn',
      code,
      cashPerShareMinor: 50,
      splitNumerator: 12,
      splitDenominator: 10,
    };
    const bus = new KafkaMessageBus({
      brokers: c.env.KAFKA_BROKERS!.split(','),
      clientId: `e2e-div-${c.suffix}`,
      logger: createLogger('e2e'),
    });
    const producer = await bus.producer();
    await producer.send(topics.marketData('cn'), [{ key: code, value: JSON.stringify(action) }]);
    await producer.close();
    await bus.close();
    const after = await c.until('bonus shares in status', name, (p) => position(p, code) === 120, 45000);
    expect(Math.round(Number(after.status!.cash) * 100) - Math.round(Number(cashBefore) * 100)).toBe(100 * 50);
    const db = new MySqlDatabase(c.env.MYSQL_URL!);
    try {
      const state = await eventually(
        'dividend persisted',
        async () => {
          const [row] = await db.query<{ cash_minor: number }>(
            'SELECT cash_minor FROM portfolio_state WHERE portfolio_id = ?',
            [name],
          );
          return row && Number(row.cash_minor) === Math.round(Number(after.status!.cash) * 100) ? row : undefined;
        },
        30000,
      );
      expect(Number(state.cash_minor)).toBe(Math.round(Number(cashBefore) * 100) + 5000);
      expect(await positionVolumes(db, name, code)).toEqual([120]);
    } finally {
      await db.close();
    }
  });
});
