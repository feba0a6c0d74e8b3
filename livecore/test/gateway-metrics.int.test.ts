import { livecoreTopics, settlementsTopic, topics, type OrderEvent, type SubmitOrder } from '@ginkgo/contracts';
import { cnAShareMarket, localTs } from '@ginkgo/core';
import { deleteKafkaResources } from '@ginkgo/platform';
import { LivecoreConfig, startLivecore } from '../src/index.js';
import { collect, eventually, kafka, requireEnv, uniqueSuffix } from './support.js';

const ts0 = localTs(cnAShareMarket, '2026-11-24', '10:00');

/** The value of one sample in Prometheus text format (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

test('the gateway metrics on livecore /metrics count received, accepted, rejected (by reason), duplicate and fenced orders, fills, cancels, broker errors and orders in flight', async () => {
  const market = `m${uniqueSuffix()}`.slice(0, 16);
  const brokers = requireEnv('KAFKA_BROKERS');
  const handle = await startLivecore(
    LivecoreConfig.parse({
      KAFKA_BROKERS: brokers,
      MYSQL_URL: requireEnv('MYSQL_URL'),
      HEALTH_PORT: '0',
      MARKET: market,
      SUBMIT_RETRY_ATTEMPTS: '1',
    }),
  );
  const bus = kafka(`metrics-test-${market}`);
  const producer = await bus.producer();
  const events = await collect<OrderEvent>(bus, topics.orderEvents(market), `ev-${market}`);
  const pf = `pf-${market}`;
  const metrics = async () => (await fetch(`http://127.0.0.1:${handle.healthPort}/metrics`)).text();
  const eventsOf = (id: string) => events.items.filter((e) => e.clientOrderId === id).map((e) => e.event);
  const send = (m: Record<string, unknown>) =>
    producer.send(topics.orders(market), [
      { key: pf, value: JSON.stringify({ portfolioId: pf, nodeId: 'n1', market, ts: ts0, ...m }) },
    ]);
  let seq = 0;
  const submit = async (o: Partial<SubmitOrder> = {}) => {
    const order = {
      type: 'submit',
      clientOrderId: `${pf}-${++seq}`,
      epoch: 1,
      code: '600000.SH',
      side: 'BUY',
      orderType: 'LIMIT',
      price: 1000,
      volume: 100,
      reason: '',
      ...o,
    };
    await send(order);
    return order.clientOrderId;
  };
  const cancel = (clientOrderId: string, epoch: number) =>
    send({ type: 'cancel', clientOrderId, epoch, force: false, reason: 'strategy cancel' });
  const m = { market };
  try {
    handle.exchange.onPrice('600000.SH', 1000, ts0);
    const filled = await submit();
    await eventually('fill', () => eventsOf(filled).includes('FILLED'));
    await submit({ clientOrderId: filled }); // replay
    const badLot = await submit({ volume: 150 });
    const resting = await submit({ price: 900 });
    await eventually(
      'resting order accepted',
      () => eventsOf(resting).includes('ACCEPTED') && eventsOf(badLot).includes('REJECTED'),
    );
    await eventually(
      'duplicate counted',
      async () => sample(await metrics(), 'ginkgo_gateway_orders_duplicate_total', m) === 1 || undefined,
    );
    let text = await metrics();
    expect(sample(text, 'ginkgo_gateway_orders_received_total', { ...m, type: 'submit' })).toBe(4);
    expect(sample(text, 'ginkgo_gateway_orders_accepted_total', m)).toBe(2);
    expect(sample(text, 'ginkgo_gateway_fills_total', m)).toBe(1);
    expect(sample(text, 'ginkgo_gateway_orders_rejected_total', { ...m, reason: 'lot' })).toBe(1);
    expect(sample(text, 'ginkgo_gateway_orders_in_flight', m)).toBe(1);

    // The portfolio moved to epoch 2: the old node's cancel and order are fenced off.
    const current = await submit({ price: 900, epoch: 2 });
    await eventually('epoch-2 order accepted', () => eventsOf(current).includes('ACCEPTED'));
    await cancel(resting, 1);
    await submit({ epoch: 1 });
    await eventually('fenced cancel and submit', async () => {
      const t = await metrics();
      return (
        (sample(t, 'ginkgo_gateway_fenced_total', { ...m, type: 'cancel' }) === 1 &&
          sample(t, 'ginkgo_gateway_fenced_total', { ...m, type: 'submit' }) === 1) ||
        undefined
      );
    });
    expect(eventsOf(resting)).toEqual(['ACCEPTED']);
    await cancel(resting, 2);
    await eventually('cancelled by the current owner', () => eventsOf(resting).includes('CANCELLED'));

    // An unreachable broker: a broker error, and the order answered SUBMIT_FAILED (rejected, broker_unreachable).
    handle.exchange.setReachable(false);
    const failed = await submit({ epoch: 2 });
    await eventually('SUBMIT_FAILED', () => eventsOf(failed).includes('SUBMIT_FAILED'));
    handle.exchange.setReachable(true);
    text = await eventually('counters after the failure', async () => {
      const t = await metrics();
      return sample(t, 'ginkgo_gateway_orders_rejected_total', { ...m, reason: 'broker_unreachable' }) === 1
        ? t
        : undefined;
    });
    expect(sample(text, 'ginkgo_gateway_broker_errors_total', { ...m, operation: 'submit' })).toBe(1);
    expect(sample(text, 'ginkgo_gateway_cancels_total', m)).toBe(1);
    expect(sample(text, 'ginkgo_gateway_orders_received_total', { ...m, type: 'cancel' })).toBe(2);
    expect(sample(text, 'ginkgo_gateway_orders_received_total', { ...m, type: 'submit' })).toBe(7);
    expect(sample(text, 'ginkgo_gateway_orders_in_flight', m)).toBe(1); // the epoch-2 order still rests
    expect(sample(text, 'ginkgo_gateway_orders_awaiting_ack', m)).toBe(0);
    // Every broker report was recorded and sent as an order event: nothing waits to be published.
    expect(sample(text, 'ginkgo_gateway_order_events_unpublished', m)).toBe(0);
  } finally {
    await events.close();
    await producer.close();
    await bus.close();
    await handle.stop();
    const names = [
      topics.orders(market),
      topics.orderEvents(market),
      topics.marketData(market),
      topics.deadLetter(topics.orders(market)),
      topics.deadLetter(topics.marketData(market)),
      livecoreTopics.control(market),
      livecoreTopics.controlReplies(market),
      topics.deadLetter(livecoreTopics.control(market)),
      settlementsTopic(market),
      topics.deadLetter(settlementsTopic(market)),
    ];
    await deleteKafkaResources({
      brokers: brokers.split(','),
      topics: names,
      groups: [
        `ev-${market}`,
        `livecore-gateway-${market}`,
        `livecore-gateway-${market}-control`,
        `livecore-paper-${market}`,
        `livecore-settlements-${market}`,
      ],
    });
  }
});
