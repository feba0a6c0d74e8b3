import {
  livecoreTopics,
  topics,
  type LivecoreCommandInput,
  type LivecoreReply,
  type OrderEvent,
  type SubmitOrder,
} from '@ginkgo/contracts';
import { cnAShareMarket, localTs } from '@ginkgo/core';
import type { MessageBus, MessageProducer, MySqlDatabase } from '@ginkgo/platform';
import { MySqlOrderLedger, PaperExchange, TradeGateway, type TradeGatewayOptions } from '../src/index.js';
import { collect, eventually, kafka, logger, mysql, uniqueSuffix } from './support.js';

const ts0 = localTs(cnAShareMarket, '2026-11-24', '10:00');

describe('trade gateway against real Kafka and MySQL', () => {
  let bus: MessageBus;
  let db: MySqlDatabase;
  let producer: MessageProducer;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    bus = kafka('livecore-gw-test');
    db = mysql();
    producer = await bus.producer();
  });
  afterAll(async () => {
    await Promise.all(stops.map((s) => s().catch(() => undefined)));
    await producer.close();
    await bus.close();
    await db.close();
  }, 120_000);

  /** A started gateway of `market` (stopped after the tests); its group is the market's, as a restart's is. */
  async function startGateway(
    market: string,
    broker: TradeGatewayOptions['broker'],
    ledger: TradeGatewayOptions['ledger'] = new MySqlOrderLedger(db),
    opts: Partial<TradeGatewayOptions> = {},
  ) {
    const gateway = new TradeGateway({ market, bus, broker, ledger, logger, groupId: `gw-${market}`, ...opts });
    await gateway.start();
    stops.push(() => gateway.stop());
    return gateway;
  }

  /** A fresh market id per test: its own orders/events/control topics, so tests never see each other. */
  async function world(opts: Partial<TradeGatewayOptions> & { exchange?: PaperExchange } = {}) {
    const market = `t${uniqueSuffix()}`.slice(0, 16);
    const exchange = opts.exchange ?? new PaperExchange({ fillOnSubmit: false });
    const ledger = new MySqlOrderLedger(db);
    await ledger.init();
    const gateway = await startGateway(market, exchange, ledger, opts);
    const events = await collect<OrderEvent>(bus, topics.orderEvents(market), `ev-${market}`);
    const replies = await collect<LivecoreReply>(bus, livecoreTopics.controlReplies(market), `rp-${market}`);
    stops.push(events.close, replies.close);
    let seq = 0;
    const pf = `pf-${market}`;
    const submit = async (o: Partial<SubmitOrder> = {}) => {
      const order: SubmitOrder = {
        type: 'submit',
        clientOrderId: `${pf}-${++seq}`,
        portfolioId: pf,
        epoch: 1,
        nodeId: 'n1',
        market,
        code: '600000.SH',
        side: 'BUY',
        orderType: 'LIMIT',
        price: 1000,
        volume: 100,
        ts: ts0,
        reason: '',
        ...o,
      };
      await producer.send(topics.orders(market), [{ key: pf, value: JSON.stringify(order) }]);
      return order;
    };
    const command = async (c: { requestId: string; type: LivecoreCommandInput['type'] } & Record<string, unknown>) => {
      await producer.send(livecoreTopics.control(market), [
        { key: c.requestId, value: JSON.stringify({ market, ts: ts0, ...c }) },
      ]);
      return eventually(`reply to ${c.requestId}`, () => replies.items.find((r) => r.requestId === c.requestId));
    };
    const eventsOf = (id: string) => events.items.filter((e) => e.clientOrderId === id).map((e) => e.event);
    return { market, exchange, ledger, gateway, events, submit, command, eventsOf, pf };
  }

  test('S4.01 the live engine consumes orders and the control topic, with the broker adapter initialised', async () => {
    const w = await world();
    expect(w.gateway.status()).toMatchObject({
      ready: true,
      broker: 'paper',
      consuming: [topics.orders(w.market), livecoreTopics.control(w.market)],
    });
    w.exchange.onPrice('600000.SH', 1000, ts0);
    const o = await w.submit();
    await eventually('fill', () => w.eventsOf(o.clientOrderId).includes('FILLED'));
    expect(w.eventsOf(o.clientOrderId)).toEqual(['ACCEPTED', 'FILLED']);
    const reply = await w.command({ type: 'reconcile', requestId: `rq-${w.market}` });
    expect(reply).toMatchObject({ ok: true, result: { checked: 0, corrections: [] } });
  });

  test("fees: an order carries its Portfolio's commission through Kafka and the gateway; the fill event reports the venue's fee from it", async () => {
    const w = await world();
    w.exchange.onPrice('600000.SH', 1000, ts0);
    // 1,000 shares at 10.00: 0.01% = 1.00 commission (minimum 0.10) + 0.10 transfer fee; the default would be 5.10
    const o = await w.submit({ volume: 1000, commission: { rate: '0.0001', minimum: '0.10' } });
    const fill = await eventually('fill with its fee', () =>
      w.events.items.find((e) => e.clientOrderId === o.clientOrderId && e.event === 'FILLED'),
    );
    expect(fill).toMatchObject({ fillVolume: 1000, fillPrice: 1000, fillFee: 110 });
    expect((await w.ledger.order(o.clientOrderId))?.commission).toEqual({ rate: '0.0001', minimum: '0.10' });
    expect((await w.exchange.account(w.pf)).cash).toBe(100_000_000_00 - 1_000_000 - 110);
  });

  test('S4.02 stopping finishes the order in flight and takes no new ones', async () => {
    const exchange = new PaperExchange({ fillOnSubmit: false, latencyMs: 800 });
    const w = await world({ exchange });
    const handed: string[] = [];
    const submit = exchange.submit.bind(exchange);
    exchange.submit = (order) => {
      handed.push(order.clientOrderId);
      return submit(order);
    };
    const o = await w.submit();
    await eventually('order handed to the broker', () => w.gateway.status().awaitingAck === 1 || undefined);
    await w.gateway.stop();
    // The acknowledgement that arrived during the stop was published before the producer closed.
    await eventually('ACCEPTED of the in-flight order', () => w.eventsOf(o.clientOrderId).includes('ACCEPTED'));
    const later = await w.submit();
    // Evidence that the stopped gateway left it alone: its group did not commit past it, so the next
    // gateway of the group (another broker) gets it, and the stopped one's broker never saw it.
    const next = new PaperExchange({ fillOnSubmit: false });
    await startGateway(w.market, next);
    await eventually('the later order accepted by the next gateway', () =>
      w.eventsOf(later.clientOrderId).includes('ACCEPTED'),
    );
    expect(await next.order(later.clientOrderId)).toBeDefined();
    expect(handed).toEqual([o.clientOrderId]);
    expect(w.eventsOf(later.clientOrderId)).toEqual(['ACCEPTED']);
  });

  test('S5.05 an unreachable broker is retried, then SUBMIT_FAILED goes back to the portfolio', async () => {
    const exchange = new PaperExchange({ fillOnSubmit: false });
    exchange.setReachable(false);
    const w = await world({ exchange, submitRetry: { attempts: 3, backoffMs: 50 } });
    const o = await w.submit();
    await eventually('SUBMIT_FAILED', () => w.events.items.find((e) => e.clientOrderId === o.clientOrderId));
    const failed = w.events.items.filter((e) => e.clientOrderId === o.clientOrderId);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      event: 'SUBMIT_FAILED',
      portfolioId: w.pf,
      reason: expect.stringMatching(/unavailable.*after 3 attempts/),
    });
    expect(w.gateway.stats.retries).toBe(2);
    // Retried successfully when the broker comes back within the policy.
    exchange.setReachable(true);
    w.exchange.onPrice('600000.SH', 1000, ts0);
    const ok = await w.submit();
    await eventually('fill after recovery', () => w.eventsOf(ok.clientOrderId).includes('FILLED'));
  });

  test('S6.05 an order unfilled after the timeout is cancelled at the broker and the outcome recorded', async () => {
    const w = await world({ orderTimeoutMs: 300 });
    w.exchange.onPrice('600000.SH', 1010, ts0); // above the buy limit: rests
    const o = await w.submit({ price: 1000 });
    await eventually('CANCELLED after timeout', () => w.eventsOf(o.clientOrderId).includes('CANCELLED'));
    const cancelled = w.events.items.find((e) => e.clientOrderId === o.clientOrderId && e.event === 'CANCELLED');
    expect(cancelled?.reason).toMatch(/timeout: 0\/100 filled/);
    expect((await w.ledger.events(o.clientOrderId)).map((e) => e.event)).toEqual(['ACCEPTED', 'CANCELLED']);
    expect((await w.exchange.order(o.clientOrderId))?.status).toBe('cancelled');
  });

  test('S1.07 a cancel request after a partial fill: CANCELLED, the filled part kept', async () => {
    const exchange = new PaperExchange({ fillOnSubmit: false, maxFillVolume: 300 });
    const w = await world({ exchange });
    const o = await w.submit({ volume: 1000 });
    await eventually('accepted', () => w.eventsOf(o.clientOrderId).includes('ACCEPTED'));
    exchange.onPrice('600000.SH', 1000, ts0 + 1000);
    await eventually('partial fill', () => w.eventsOf(o.clientOrderId).includes('PARTIALLY_FILLED'));
    await producer.send(topics.orders(w.market), [
      {
        key: w.pf,
        value: JSON.stringify({
          type: 'cancel',
          clientOrderId: o.clientOrderId,
          portfolioId: w.pf,
          epoch: 1,
          nodeId: 'n1',
          market: w.market,
          ts: ts0 + 2000,
          force: false,
          reason: 'strategy cancel',
        }),
      },
    ]);
    await eventually('CANCELLED', () => w.eventsOf(o.clientOrderId).includes('CANCELLED'));
    expect(w.eventsOf(o.clientOrderId)).toEqual(['ACCEPTED', 'PARTIALLY_FILLED', 'CANCELLED']);
    expect(w.events.items.find((e) => e.event === 'CANCELLED')?.reason).toMatch(/300\/1000 filled/);
    expect((await exchange.account(w.pf)).positions).toEqual([{ code: '600000.SH', volume: 300, sellable: 0 }]);
  });

  test('S6.11 S4.06 manual cancel and force-cancel through the control topic; a broken broker link is a clear error with nothing changed', async () => {
    const w = await world();
    w.exchange.onPrice('600000.SH', 1010, ts0);
    const a = await w.submit({ price: 1000 });
    const b = await w.submit({ price: 1000 });
    await eventually(
      'both accepted',
      () => w.eventsOf(b.clientOrderId).includes('ACCEPTED') && w.eventsOf(a.clientOrderId).includes('ACCEPTED'),
    );
    expect(
      await w.command({
        type: 'cancel',
        requestId: `c1-${w.market}`,
        clientOrderId: a.clientOrderId,
        requestedBy: 'alice',
      }),
    ).toMatchObject({ ok: true });
    await eventually('manual CANCELLED', () => w.eventsOf(a.clientOrderId).includes('CANCELLED'));
    // The broker link is down: a plain cancel fails loudly and nothing changes...
    w.exchange.setReachable(false);
    const refused = await w.command({ type: 'cancel', requestId: `c2-${w.market}`, clientOrderId: b.clientOrderId });
    expect(refused).toMatchObject({
      ok: false,
      error: expect.stringMatching(/broker paper unavailable.*nothing changed/),
    });
    expect(w.eventsOf(b.clientOrderId)).toEqual(['ACCEPTED']);
    // ...while a force-cancel informs the portfolio at once.
    expect(
      await w.command({ type: 'cancel', requestId: `c3-${w.market}`, clientOrderId: b.clientOrderId, force: true }),
    ).toMatchObject({ ok: true });
    await eventually('forced CANCELLED', () => w.eventsOf(b.clientOrderId).includes('CANCELLED'));
    expect(w.events.items.find((e) => e.clientOrderId === b.clientOrderId && e.event === 'CANCELLED')?.reason).toMatch(
      /^forced:/,
    );
    const unknown = await w.command({ type: 'cancel', requestId: `c4-${w.market}`, clientOrderId: `${w.pf}-999` });
    expect(unknown).toMatchObject({ ok: false, error: expect.stringMatching(/unknown to the gateway/) });
    w.exchange.setReachable(true);
  });

  test('S9.10 the gateway refuses cancels (as it refuses orders) from an assignment epoch older than the newest seen for the portfolio', async () => {
    const w = await world();
    w.exchange.onPrice('600000.SH', 1010, ts0); // above the buy limits: the orders rest
    const cancel = (clientOrderId: string, epoch: number, nodeId: string) =>
      producer.send(topics.orders(w.market), [
        {
          key: w.pf,
          value: JSON.stringify({
            type: 'cancel',
            clientOrderId,
            portfolioId: w.pf,
            epoch,
            nodeId,
            market: w.market,
            ts: ts0 + 1000,
            force: false,
            reason: 'strategy cancel',
          }),
        },
      ]);
    const a = await w.submit({ price: 1000, epoch: 1, nodeId: 'old-node' });
    await eventually('order of epoch 1 accepted', () => w.eventsOf(a.clientOrderId).includes('ACCEPTED'));
    // The portfolio moved: the new owner (epoch 2) trades; the old node, not yet aware, still sends.
    const b = await w.submit({ price: 1000, epoch: 2, nodeId: 'new-node' });
    await eventually('order of epoch 2 accepted', () => w.eventsOf(b.clientOrderId).includes('ACCEPTED'));
    await cancel(b.clientOrderId, 1, 'old-node');
    await cancel(a.clientOrderId, 1, 'old-node');
    await eventually('both stale cancels refused', () => w.gateway.stats.fencedCancels === 2 || undefined);
    const late = await w.submit({ price: 1000, epoch: 1, nodeId: 'old-node' });
    await eventually('stale submit refused', () => w.gateway.stats.fenced === 1 || undefined);
    // Nothing changed at the broker or for the portfolio.
    expect((await w.exchange.order(a.clientOrderId))?.status).toBe('open');
    expect((await w.exchange.order(b.clientOrderId))?.status).toBe('open');
    expect(w.eventsOf(a.clientOrderId)).toEqual(['ACCEPTED']);
    expect(w.eventsOf(b.clientOrderId)).toEqual(['ACCEPTED']);
    expect(await w.exchange.order(late.clientOrderId)).toBeUndefined();
    // The current owner may cancel any open order of the portfolio, including one sent under the old epoch.
    await cancel(a.clientOrderId, 2, 'new-node');
    await eventually('CANCELLED by the current owner', () => w.eventsOf(a.clientOrderId).includes('CANCELLED'));
    expect(w.eventsOf(b.clientOrderId)).toEqual(['ACCEPTED']);
    expect(w.gateway.stats.fencedCancels).toBe(2);
  });

  test('reconciliation after a gateway restart with open orders publishes the fills it missed, once', async () => {
    const exchange = new PaperExchange({ fillOnSubmit: false });
    const w = await world({ exchange, closeBrokerOnStop: false });
    exchange.onPrice('600000.SH', 1010, ts0);
    const o = await w.submit({ price: 1000, volume: 500 });
    const p = await w.submit({ price: 990, volume: 200 });
    await eventually(
      'accepted',
      () => w.eventsOf(o.clientOrderId).includes('ACCEPTED') && w.eventsOf(p.clientOrderId).includes('ACCEPTED'),
    );
    await w.gateway.stop();
    // While no gateway runs, the venue fills one order and the other is cancelled there.
    exchange.onPrice('600000.SH', 995, ts0 + 5000);
    await exchange.cancel(p.clientOrderId, ts0 + 6000, 'cancelled at the venue');
    expect(w.eventsOf(o.clientOrderId)).toEqual(['ACCEPTED']);
    const restarted = await startGateway(w.market, exchange);
    await eventually('missed fill published', () => w.eventsOf(o.clientOrderId).includes('FILLED'));
    await eventually('missed cancel published', () => w.eventsOf(p.clientOrderId).includes('CANCELLED'));
    expect(w.events.items.find((e) => e.clientOrderId === o.clientOrderId && e.event === 'FILLED')).toMatchObject({
      fillVolume: 500,
      fillPrice: 995,
    });
    const again = await restarted.reconcile();
    expect(again).toMatchObject({ checked: 0, corrections: [] });
    expect(w.eventsOf(o.clientOrderId)).toEqual(['ACCEPTED', 'FILLED']);
    expect(w.eventsOf(p.clientOrderId)).toEqual(['ACCEPTED', 'CANCELLED']);
  });
});
