import { PortfolioSpec, topics, type PriceUpdate } from '@ginkgo/contracts';
import { cnAShareMarket, localTs } from '@ginkgo/core';
import { ExecutionNode, MySqlPortfolioStateStore } from '@ginkgo/node-runtime';
import { KafkaMessageBus, PrefixedTopicBus } from '@ginkgo/platform';
import {
  parseProduceRequest,
  startKafkaProxy,
  type ProduceRequestSummary,
  type TcpProxy,
} from '@ginkgo/platform/testing';
import { MySqlOrderLedger, PaperExchange, TradeGateway } from '@ginkgo/livecore';
import { eventually, logger, mysql, requireEnv, uniqueSuffix } from './support.js';

/**
 * The order path node -> Kafka -> gateway on real Kafka and MySQL, on topics of its own (a prefix): the
 * node's order producer is checked on the wire (through a Kafka proxy that decodes its Produce requests),
 * and the order must arrive in the gateway's MySQL ledger, not only on the topic.
 */
describe('order path from the execution node to the trade gateway', () => {
  const s = uniqueSuffix();
  const prefix = `op-${s}.`;
  const quietLogger = logger.child({}, { level: 'error' });
  const db = mysql();
  const produced: ProduceRequestSummary[] = [];
  let proxy: TcpProxy;
  let node: ExecutionNode;
  let gateway: TradeGateway;
  let nodeBus: PrefixedTopicBus;
  let gatewayBus: PrefixedTopicBus;

  beforeAll(async () => {
    const brokerPort = Number(requireEnv('KAFKA_BROKERS').split(',')[0]!.split(':')[1]);
    proxy = await startKafkaProxy({
      brokerPort,
      onRequest: (r) => {
        const p = parseProduceRequest(r.frame);
        if (p) produced.push(p);
      },
    });
    nodeBus = new PrefixedTopicBus(
      new KafkaMessageBus({ brokers: [`127.0.0.1:${proxy.port}`], clientId: `op-node-${s}`, logger: quietLogger }),
      { prefix },
    );
    gatewayBus = new PrefixedTopicBus(
      new KafkaMessageBus({
        brokers: requireEnv('KAFKA_BROKERS').split(','),
        clientId: `op-gw-${s}`,
        logger: quietLogger,
      }),
      { prefix },
    );
    const ledger = new MySqlOrderLedger(db);
    await ledger.init();
    gateway = new TradeGateway({
      market: 'cn',
      bus: gatewayBus,
      broker: new PaperExchange({ fillOnSubmit: false }),
      ledger,
      logger: quietLogger,
      groupId: `op-gw-${s}`,
    });
    await gateway.start();
    const store = new MySqlPortfolioStateStore(db);
    await store.init();
    node = new ExecutionNode({
      nodeId: `op-${s}`,
      markets: ['cn'],
      bus: nodeBus,
      stateStore: store,
      status: { report: () => undefined },
      logger: quietLogger,
    });
    await node.start();
  }, 90_000);

  afterAll(async () => {
    await node?.stop();
    await gateway?.stop();
    await nodeBus?.close();
    await gatewayBus?.close();
    await proxy?.close();
    await db.close();
  }, 60_000);

  test('S1.03 S9.02 the node publishes the order with an idempotent acks=all producer and it reaches the gateway ledger', async () => {
    const portfolioId = `op-${s}-p`;
    const code = '600000.SH';
    const spec = PortfolioSpec.parse({
      market: 'cn',
      initialCash: '100000.00',
      strategy: { name: 'buy-and-hold', params: {} },
      sizer: { name: 'fixed-volume', params: { volume: 100 } },
      interestedCodes: [code],
    });
    await node.assign({ portfolioId, spec, epoch: 1, generation: 1 });
    const t: PriceUpdate = {
      type: 'price',
      eventId: `op-${s}-t1`,
      ts: localTs(cnAShareMarket, '2026-11-24', '10:00'),
      seq: 1,
      market: 'cn',
      code,
      kind: 'tick',
      price: 1000,
      volume: 100000,
      prevClose: 1000,
    };
    const producer = await gatewayBus.producer();
    await producer.send(topics.marketData('cn'), [{ key: code, value: JSON.stringify(t) }]);
    await producer.close();
    // In the gateway's ledger (MySQL), as the node built it.
    const order = await eventually('the order in the gateway ledger', () =>
      new MySqlOrderLedger(db).order(`${portfolioId}-1`),
    );
    expect(order).toMatchObject({
      type: 'submit',
      portfolioId,
      clientOrderId: `${portfolioId}-1`,
      code,
      side: 'BUY',
      volume: 100,
      price: 1000,
      epoch: 1,
      nodeId: `op-${s}`,
      market: 'cn',
    });
    // On the wire: the node's Produce request to the orders topic asked for acks=all and carried a producer
    // id and sequence (an idempotent producer: the broker drops a retried duplicate).
    const ordersTopic = nodeBus.real(topics.orders('cn'));
    const toOrders = produced.filter((p) => p.batches.some((b) => b.topic === ordersTopic));
    expect(toOrders.length).toBeGreaterThanOrEqual(1);
    for (const p of toOrders) {
      expect(p.acks).toBe(-1);
      for (const b of p.batches) {
        expect(b.producerId).toBeGreaterThanOrEqual(0n);
        expect(b.baseSequence).toBeGreaterThanOrEqual(0);
      }
    }
  }, 90_000);
});
