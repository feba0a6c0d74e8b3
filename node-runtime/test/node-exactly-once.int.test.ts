import type { OrderEvent, SubmitOrder } from '@ginkgo/contracts';
import { MySqlPortfolioStateStore } from '../src/index.js';
import { gatewayAnswers, shanghaiTs, tick, topics, waitFor } from './helpers.js';
import { buyAndHold, nodeTestBed } from './node-fixture.js';

/**
 * Exactly-once effects across a hand-over: the outcome of an order arrives while no node runs the
 * portfolio; the next node resumes from the portfolio's own persisted positions (not from its consumer
 * group, which never saw the event), applies it once, and ignores a redelivered copy.
 */
describe('node-runtime exactly-once resume (real Kafka, MySQL, kube-apiserver)', () => {
  const bed = nodeTestBed('node-eo', 'eo1');
  const { s, bus, db } = bed;
  const [code] = bed.codes as [string];
  const name = `eo-${s}`;

  beforeAll(() => bed.setUp());
  afterAll(() => bed.tearDown(), 60000);

  const status = () => bed.portfolio(name);
  const positionRows = () =>
    db.query<{ volume: number }>('SELECT volume FROM portfolio_position WHERE portfolio_id = ? AND code = ?', [
      name,
      code,
    ]);

  test('S9.01 S6.08 S9.10 a fill published between two runners is applied once by the next runner; a duplicate is ignored; the old epoch cannot save', async () => {
    const orders = await bed.collect<SubmitOrder>(topics.orders('cn'), (o) => o.portfolioId === name);
    await bed.createPortfolio(name, buyAndHold([code]));
    const first = await bed.startNode(`eo1-${s}`);
    await bed.assign(name, 1, `eo1-${s}`);
    await waitFor('running on node 1', async () => ((await status())?.status?.runningEpoch === 1 ? true : undefined));
    const producer = await bus.producer();
    await producer.send(topics.marketData('cn'), [
      { key: code, value: JSON.stringify(tick(`eo-${s}-t1`, code, 1000)) },
    ]);
    const order = await waitFor('order from node 1', () => orders.items[0]);
    expect(order).toMatchObject({ clientOrderId: `${name}-1`, epoch: 1, volume: 100 });
    await first.stop();

    // The gateway's outcome arrives while nobody runs the portfolio.
    const ts = shanghaiTs('2026-11-24', '10:00', 1);
    const [accepted, filled] = gatewayAnswers(order, `b-${s}`, ts, [
      { event: 'ACCEPTED' },
      { event: 'FILLED', fillId: `f-${s}`, fillVolume: 100 },
    ]) as [OrderEvent, OrderEvent];
    await producer.send(
      topics.orderEvents('cn'),
      [accepted, filled].map((e) => ({ key: name, value: JSON.stringify(e) })),
    );

    const second = await bed.startNode(`eo2-${s}`);
    await bed.operatorStatus(name, { assignedNode: `eo2-${s}`, epoch: 2 });
    const p = await waitFor('position applied by node 2', async () => {
      const p = await status();
      return p?.status?.runningEpoch === 2 && p.status.positions?.find((x) => x.code === code && x.volume === 100)
        ? p
        : undefined;
    });
    const cashAfterFill = p.status?.cash;
    expect(Number(cashAfterFill)).toBeLessThan(99000);
    expect((await positionRows()).map((r) => Number(r.volume))).toEqual([100]);

    // Redelivery: the same fill again (a gateway re-send), then a later event to know it was consumed.
    await producer.send(topics.orderEvents('cn'), [{ key: name, value: JSON.stringify(filled) }]);
    await producer.send(topics.marketData('cn'), [
      { key: code, value: JSON.stringify(tick(`eo-${s}-t2`, code, 1010, 2, 2)) },
    ]);
    await waitFor('the later tick applied', async () =>
      (await status())?.status?.positions?.find((x) => x.code === code)?.marketValue === '1010.00' ? true : undefined,
    );
    const worker = second.node.worker(name);
    await waitFor('duplicate consumed', () =>
      (worker?.skipped ?? 0) + (worker?.processed ?? 0) >= 3 ? true : undefined,
    );
    expect((await positionRows()).map((r) => Number(r.volume))).toEqual([100]);
    expect((await status())?.status?.cash).toBe(cashAfterFill);
    // Buy-and-hold bought once: no second order from the replay or the hand-over.
    expect(orders.items.filter((o) => o.type === 'submit').map((o) => o.clientOrderId)).toEqual([`${name}-1`]);

    // The old runner's epoch can no longer save over the new one.
    const store = new MySqlPortfolioStateStore(db);
    const stored = await store.load(name);
    expect(stored?.epoch).toBe(2);
    expect(await store.save({ ...stored!, epoch: 1 }, { cash: 0, equity: 0, positions: [] })).toBe(false);
    await producer.close();
    await orders.consumer.close();
  });
});
