import { nodeLease, type CancelOrder, type SubmitOrder } from '@ginkgo/contracts';
import { mergePatch, tick, topics, uniqueCodes, waitFor } from './helpers.js';
import { buyAndHold, nodeTestBed, type TestNode } from './node-fixture.js';

/**
 * Moves and interventions on the node side (operator/README.md), the test playing the operator: market data
 * resumes from the portfolio's own positions on another node, the hand-over release, manual cancel requests,
 * and the node's Lease keeping a drain someone else set.
 */
describe('node-runtime: moves, hand-over, cancel requests (real Kafka, MySQL, kube-apiserver)', () => {
  const bed = nodeTestBed('node-moves', 'mv1', 4);
  const { clients, s, namespace, codes, db } = bed;
  const first = bed.nodeId;
  const second = `mv2-${s}`;
  const name = `mv-${s}-p`;
  let node: TestNode | undefined;
  let orders: Awaited<ReturnType<typeof bed.collect<SubmitOrder | CancelOrder>>>;
  const assign = (epoch: number, nodeId: string) => bed.assign(name, epoch, nodeId);
  const running = (epoch: number, nodeId: string) => bed.running(name, { epoch, node: nodeId });
  const submits = () => orders.items.filter((o): o is SubmitOrder => o.type === 'submit' && o.portfolioId === name);
  const send = (code: string, id: string, price = 1000, seconds = 0) =>
    bed.sendTick(code, `${name}-${id}`, price, seconds);

  beforeAll(async () => {
    await bed.setUp();
    orders = await bed.collect<SubmitOrder | CancelOrder>(topics.orders('cn'), (o) => o.portfolioId === name);
    await bed.createPortfolio(name, buyAndHold(codes));
  }, 60000);

  afterAll(async () => {
    await node?.stop();
    await orders?.consumer.close();
    await bed.tearDown();
  }, 60000);

  test('S2.08 ticks published while a portfolio is between nodes are applied on the next node from its own positions: none lost, none doubled', async () => {
    node = await bed.startNode(first);
    await assign(1, first);
    await running(1, first);
    await send(codes[0]!, 't0');
    await waitFor('order for the first tick', () => submits().find((o) => o.code === codes[0]));
    // The node stops (SIGTERM path): drains, saves the state and how far it routed.
    await node.stop();
    node = undefined;
    // Published while nobody runs the portfolio; the next node's market-data group starts after them.
    await send(codes[1]!, 't1');
    await send(codes[2]!, 't2');
    node = await bed.startNode(second);
    await assign(2, second);
    await running(2, second);
    const got = await waitFor('orders for the ticks sent in between', () =>
      submits().length >= 3 ? submits() : undefined,
    );
    expect(got.map((o) => o.code).sort()).toEqual(codes.slice(0, 3).sort());
    expect(got.filter((o) => o.code !== codes[0]).every((o) => o.epoch === 2 && o.nodeId === second)).toBe(true);
    // Live again afterwards, and the first tick was not re-applied.
    await send(codes[3]!, 't3');
    await waitFor('order for a live tick', () => submits().find((o) => o.code === codes[3]));
    expect(new Set(submits().map((o) => o.clientOrderId)).size).toBe(4);
    expect(submits()).toHaveLength(4);
  }, 90000);

  test('S6.11 cancel requests in status: the open order is cancelled with the epoch and force asked, once, then cancelAck', async () => {
    expect(node?.node.portfolioIds()).toContain(name);
    // A buy at limit-up (prevClose 10.00 -> 11.00) finds no seller on any paper venue: it stays open.
    const [code] = uniqueCodes(1) as [string];
    await clients.custom.patchNamespacedCustomObject(
      {
        group: 'ginkgo.live',
        version: 'v1alpha1',
        namespace,
        plural: 'portfolios',
        name,
        body: { spec: { interestedCodes: [...codes, code] } },
      },
      mergePatch(),
    );
    await running(2, second).then(() =>
      waitFor('new spec running', () =>
        node?.node.assignmentOf(name)?.spec.interestedCodes.includes(code) ? true : undefined,
      ),
    );
    await send(code, 'limit-up', 1100, 5);
    const open = await waitFor('open order', () => submits().find((o) => o.code === code));
    await waitFor('order open in the engine', () =>
      node?.node
        .worker(name)
        ?.engine.view()
        .openOrders.some((o) => o.clientOrderId === open.clientOrderId),
    );
    const requestedAt = new Date().toISOString();
    await bed.operatorStatus(name, {
      cancelRequests: [
        { id: 1, clientOrderId: open.clientOrderId, force: true, reason: 'int test', requestedAt },
        { id: 2, clientOrderId: `${name}-999`, force: false, requestedAt },
      ],
    });
    const cancel = await waitFor('cancel on orders.cn', () =>
      orders.items.find((o): o is CancelOrder => o.type === 'cancel' && o.clientOrderId === open.clientOrderId),
    );
    expect(cancel).toMatchObject({ portfolioId: name, force: true, epoch: 2, nodeId: second, reason: 'int test' });
    const acked = await waitFor('cancelAck', async () => {
      const p = await bed.portfolio(name);
      return p?.status?.cancelAck?.id === 2 ? p : undefined;
    });
    expect(acked.status?.cancelAck?.message).toContain(`cancel sent for ${open.clientOrderId} (force)`);
    expect(acked.status?.cancelAck?.message).toContain(`${name}-999 not cancelled`);
    // The engine knows: the order is no longer open (force = cancelled at once).
    expect(
      node?.node
        .worker(name)
        ?.engine.view()
        .openOrders.some((o) => o.clientOrderId === open.clientOrderId),
    ).toBe(false);
    // Status updates that still list the requests (as before the operator drops them) send nothing again.
    await bed.operatorStatus(name, { message: 'operator touched status' });
    await send(codes[0]!, 't-after', 1000, 8);
    await waitFor('a later tick applied', async () => {
      const p = await bed.portfolio(name);
      return p?.status?.lastEventTime && Date.parse(p.status.lastEventTime) >= tick('x', codes[0]!, 1000, 8).ts
        ? true
        : undefined;
    });
    expect(orders.items.filter((o) => o.type === 'cancel' && o.clientOrderId === open.clientOrderId)).toHaveLength(1);
  }, 90000);

  test('S3.06 a drain set with kubectl on the node Lease stays while the node rewrites its load', async () => {
    const leaseName = `${nodeLease.namePrefix}${second}`;
    const portfoliosInLoad = async () => {
      const l = await clients.coordination.readNamespacedLease({ name: leaseName, namespace });
      return {
        lease: l,
        portfolios: (JSON.parse(l.metadata?.annotations?.[nodeLease.loadAnnotation] ?? '{}') as { portfolios?: number })
          .portfolios,
      };
    };
    await waitFor('load with the running portfolio', async () =>
      (await portfoliosInLoad()).portfolios === 1 ? true : undefined,
    );
    await clients.coordination.patchNamespacedLease(
      { name: leaseName, namespace, body: { metadata: { annotations: { [nodeLease.drainingAnnotation]: 'true' } } } },
      mergePatch(),
    );
    // The hand-over below changes the node's load (1 -> 0 portfolios): the node writes its annotations.
    await bed.operatorStatus(name, {
      handoverTo: first,
      handoverSince: new Date().toISOString(),
      handoverReason: 'Drained',
    });
    const { lease } = await waitFor('load rewritten', async () => {
      const l = await portfoliosInLoad();
      return l.portfolios === 0 ? l : undefined;
    });
    expect(lease.metadata?.annotations?.[nodeLease.drainingAnnotation]).toBe('true');
  }, 60000);

  test('S3.05 hand-over: the node stops the portfolio, persists it and writes releasedEpoch; a cancelled hand-over resumes it', async () => {
    // handoverTo was set in the previous test (epoch 2 on the second node).
    const released = await waitFor('releasedEpoch', async () => {
      const p = await bed.portfolio(name);
      return p?.status?.releasedEpoch === 2 ? p : undefined;
    });
    expect(released.status?.assignedNode).toBe(second);
    expect(node?.node.portfolioIds()).not.toContain(name);
    const [row] = await db.query<{ epoch: number; node_id: string; input_positions: string }>(
      'SELECT epoch, node_id, input_positions FROM portfolio_state WHERE portfolio_id = ?',
      [name],
    );
    expect([Number(row?.epoch), row?.node_id]).toEqual([2, second]);
    expect(
      Object.keys(JSON.parse(row?.input_positions ?? '{}')).some((k) => k.startsWith(`${topics.marketData('cn')}:`)),
    ).toBe(true);
    // The target stopped accepting: the operator removes the hand-over; the node runs it again and clears its release.
    await bed.operatorStatus(name, { handoverTo: null, handoverSince: null, handoverReason: null } as never);
    await waitFor('running again', () => (node?.node.portfolioIds().includes(name) ? true : undefined));
    await waitFor('releasedEpoch cleared', async () =>
      (await bed.portfolio(name))?.status?.releasedEpoch === undefined ? true : undefined,
    );
  }, 60000);
});
