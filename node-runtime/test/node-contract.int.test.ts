import {
  NodeLoad,
  deletionHandshake,
  nodeLease,
  type CancelOrder,
  type InterestUpdate,
  type SubmitOrder,
} from '@ginkgo/contracts';
import { KubeStatusSink } from '../src/index.js';
import {
  assignedConditions,
  operatorCondition,
  patchSpec,
  quiet,
  tick,
  topics,
  uniqueCodes,
  waitFor,
} from './helpers.js';
import { buyAndHold, nodeTestBed, type TestNode } from './node-fixture.js';

/** The node side of the operator contract (operator/README.md), with the test playing the operator. */
describe('node-runtime against the operator contract (real Kafka, MySQL, kube-apiserver)', () => {
  const bed = nodeTestBed('node-contract', 'nc', 5);
  const { clients, s, namespace, nodeId, bus, db } = bed;
  const [codeA, codeB, codeC, codeD, codeH] = bed.codes as [string, string, string, string, string];
  let node: TestNode;
  let orders: { items: (SubmitOrder | CancelOrder)[] };
  let interest: { items: InterestUpdate[] };
  const spec = (code: string) => buyAndHold([code]);
  const assign = (name: string, epoch: number, node = nodeId) => bed.assign(name, epoch, node);

  beforeAll(async () => {
    await bed.setUp();
    orders = await bed.collect<SubmitOrder | CancelOrder>(topics.orders('cn'), (o) =>
      o.portfolioId?.startsWith(`nc-${s}`),
    );
    interest = await bed.collect<InterestUpdate>(topics.interestUpdates, (u) => u.nodeId === nodeId);
    node = await bed.startNode();
  }, 60000);

  afterAll(() => bed.tearDown(), 60000);

  test('S3.01 S3.07 the node holds its Lease with role label, markets and load annotations', async () => {
    const lease = await waitFor('node lease with load', async () => {
      const l = await clients.coordination.readNamespacedLease({ name: `${nodeLease.namePrefix}${nodeId}`, namespace });
      return l.metadata?.annotations?.[nodeLease.loadAnnotation] ? l : undefined;
    });
    expect(lease.spec?.holderIdentity).toBe(nodeId);
    expect(lease.metadata?.labels?.[nodeLease.labelRole]).toBe(nodeLease.roleValue);
    expect(lease.metadata?.annotations?.[nodeLease.marketsAnnotation]).toBe('cn');
    const load = NodeLoad.parse(JSON.parse(lease.metadata?.annotations?.[nodeLease.loadAnnotation] ?? '{}'));
    expect(load.capacity).toBeGreaterThan(0);
    expect(load.portfolios).toBe(0);
  });

  test('S2.05 assigned portfolios start, announce their interest set, and each tick reaches only interested portfolios', async () => {
    const a = `nc-${s}-a`;
    const b = `nc-${s}-b`;
    await bed.createPortfolio(a, spec(codeA), true);
    await bed.createPortfolio(b, spec(codeB), true);
    await assign(a, 1);
    await assign(b, 1);
    for (const name of [a, b]) {
      const p = await bed.running(name, { epoch: 1 });
      // The operator's conditions survive the node's status writes; the node adds Ready.
      const types = (p.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`);
      expect(types).toEqual(expect.arrayContaining(['Accepted=True', 'Assigned=True', 'Ready=True']));
      expect(p.status?.runningNode).toBe(nodeId);
      expect(p.status?.cash).toBe('100000.00');
      const rows = await db.query<{ epoch: number; node_id: string }>(
        'SELECT epoch, node_id FROM portfolio_state WHERE portfolio_id = ?',
        [name],
      );
      expect(rows.map((r) => [Number(r.epoch), r.node_id])).toEqual([[1, nodeId]]);
    }
    await waitFor('interest announced', () =>
      interest.items.find((u) => u.codes.includes(codeA) && u.codes.includes(codeB)),
    );

    const producer = await bus.producer();
    await producer.send(topics.marketData('cn'), [
      { key: codeA, value: JSON.stringify(tick(`nc-${s}-t1`, codeA, 1000)) },
    ]);
    const order = await waitFor('order for a', () => orders.items.find((o) => o.portfolioId === a));
    expect(order).toMatchObject({
      type: 'submit',
      clientOrderId: `${a}-1`,
      code: codeA,
      side: 'BUY',
      volume: 100,
      price: 1000,
      epoch: 1,
      nodeId,
    });
    // The tick of codeA reached a only: b (interested in codeB) got nothing; then codeB reaches b only.
    await producer.send(topics.marketData('cn'), [
      { key: codeB, value: JSON.stringify(tick(`nc-${s}-t2`, codeB, 1000)) },
    ]);
    await waitFor('order for b', () => orders.items.find((o) => o.portfolioId === b));
    expect(orders.items.filter((o) => o.portfolioId === a)).toHaveLength(1);
    expect(orders.items.filter((o) => o.portfolioId === b)).toHaveLength(1);
    await producer.close();
  });

  test('S2.05 interestedCodes patched on a running portfolio: same worker and state, routing and announced interest follow', async () => {
    const name = `nc-${s}-i`;
    const mine = (id: string) => orders.items.find((o) => o.type === 'submit' && o.clientOrderId === id);
    await bed.createPortfolio(name, spec(codeC), true);
    await assign(name, 1);
    await waitFor(`${name} Running`, async () =>
      (await bed.portfolio(name))?.status?.runningGeneration === 1 ? true : undefined,
    );
    const worker = node.node.worker(name)!;
    const producer = await bus.producer();
    // A limit-up buy (11.00 on a 10.00 close): no paper gateway on orders.cn can fill it, so the state stays put.
    await producer.send(topics.marketData('cn'), [
      { key: codeC, value: JSON.stringify(tick(`nc-${s}-i1`, codeC, 1100, 10)) },
    ]);
    await waitFor('the first order', () => mine(`${name}-1`));
    const before = worker.engine.view();
    await patchSpec(clients, namespace, name, { interestedCodes: [codeD] });
    const p = await waitFor('the new generation running', async () => {
      const p = await bed.portfolio(name);
      return p?.status?.runningGeneration === 2 ? p : undefined;
    });
    expect(p.status).toMatchObject({ phase: 'Running', runningEpoch: 1, runningNode: nodeId });
    // What the feeder follows: the node's announced set now has codeD and no longer codeC.
    await waitFor('interest moved from codeC to codeD', () => {
      const last = interest.items.at(-1);
      return last && last.codes.includes(codeD) && !last.codes.includes(codeC) ? true : undefined;
    });
    expect(node.node.interestedCodes()).toEqual(expect.arrayContaining([codeD]));
    expect(node.node.interestedCodes()).not.toContain(codeC);
    // Not restarted: the very same worker, its queue and in-memory state untouched.
    expect(node.node.worker(name)).toBe(worker);
    expect(worker.stopped).toBe(false);
    const after = worker.engine.view();
    expect(after.openOrders.map((o) => o.clientOrderId)).toEqual([`${name}-1`]);
    expect([after.cash, after.frozenCash]).toEqual([before.cash, before.frozenCash]);
    // A tick of the removed code, then one of the added code, in that order on one partition.
    await producer.send(topics.marketData('cn'), [
      { key: codeD, value: JSON.stringify(tick(`nc-${s}-i2`, codeC, 1050, 11)) },
      { key: codeD, value: JSON.stringify(tick(`nc-${s}-i3`, codeD, 1000, 12)) },
    ]);
    const order = await waitFor('an order for the added code', () => mine(`${name}-2`));
    expect(order).toMatchObject({ code: codeD, epoch: 1, nodeId });
    // The removed code's tick, handled before it, never reached the strategy: its last price is still 11.00.
    expect(new Map(worker.engine.snapshot().quotes).get(codeC)?.price).toBe(1100);
    expect(
      orders.items.filter((o) => o.portfolioId === name && o.type === 'submit').map((o) => o.clientOrderId),
    ).toEqual([`${name}-1`, `${name}-2`]);
    const rows = await db.query<{ epoch: number }>('SELECT epoch FROM portfolio_state WHERE portfolio_id = ?', [name]);
    expect(rows.map((r) => Number(r.epoch))).toEqual([1]);
    await producer.close();
    // Out of the way of the later tests, which count this node's portfolios.
    await patchSpec(clients, namespace, name, { desiredState: 'Stopped' });
    await waitFor(`${name} stopped`, () => (node.node.portfolioIds().includes(name) ? undefined : true));
  });

  test('S1.03 the published order carries code, side, volume, price, deterministic client order id, epoch and node', () => {
    const order = orders.items.find((o) => o.type === 'submit');
    expect(order).toBeDefined();
    expect(order).toMatchObject({
      type: 'submit',
      side: 'BUY',
      volume: 100,
      price: 1000,
      epoch: 1,
      nodeId,
      market: 'cn',
    });
    expect(order && 'code' in order ? order.code : undefined).toMatch(/^\d{6}\.(SH|SZ)$/);
    expect(order?.clientOrderId).toMatch(new RegExp(`^${order?.portfolioId}-1$`));
  });

  const metricsText = () =>
    waitFor('metrics with consumer lag', async () => {
      const t = await (await fetch(`http://127.0.0.1:${node.healthPort}/metrics`)).text();
      return t.includes(`ginkgo_node_consumer_lag{topic="${topics.marketData('cn')}"`) ? t : undefined;
    });

  test('S5.06 /metrics exports Kafka consumer lag per partition, queue depth and event counters', async () => {
    const text = await metricsText();
    expect(text).toMatch(
      new RegExp(`ginkgo_node_consumer_lag\\{topic="${topics.marketData('cn').replace('.', '\\.')}",partition="\\d+"`),
    );
    for (const name of [
      'ginkgo_node_queue_depth',
      'ginkgo_node_portfolios',
      'ginkgo_node_events_in_total',
      'ginkgo_node_orders_total',
    ])
      expect(text).toContain(name);
    expect(text).toMatch(/ginkgo_node_portfolios\{[^}]*\} 2/);
    expect(text).toMatch(/ginkgo_node_orders_total\{type="submit"[^}]*\} [1-9]/);
  });

  test('S7.02 /metrics exports CPU time and event-loop lag', async () => {
    const text = await metricsText();
    expect(text).toMatch(/process_cpu_seconds_total(\{[^}]*\})? [0-9.e+-]+/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds(\{[^}]*\})? [0-9.e+-]+/);
  });

  test('S7.01 /metrics exports resident memory (RSS) and heap for the soak dashboard', async () => {
    const text = await metricsText();
    expect(text).toMatch(/process_resident_memory_bytes(\{[^}]*\})? [1-9][0-9.e+]*/);
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });

  test('S9.10 a node that lost the assignment never writes status over the new node', async () => {
    const name = `nc-${s}-z`;
    await bed.createPortfolio(name, spec(codeA));
    await bed.operatorStatus(name, { phase: 'Assigned', assignedNode: 'successor', epoch: 2 });
    const zombieId = `zz-${s}`;
    const zombie = new KubeStatusSink({ clients, namespace, nodeId: zombieId, logger: quiet() });
    expect(await zombie.phase(name, { epoch: 1, generation: 1 }, 'Running', 'Running')).toBe(false);
    expect((await bed.portfolio(name))?.status?.phase).toBe('Assigned');
    // Same node but a stale epoch is refused too.
    await bed.operatorStatus(name, { assignedNode: zombieId, epoch: 3 });
    expect(await zombie.phase(name, { epoch: 2, generation: 1 }, 'Running', 'Running')).toBe(false);
    expect(
      await zombie.phase(name, { epoch: 3, generation: 1 }, 'Degraded', 'Test', 'written with the current epoch'),
    ).toBe(true);
    const p = await bed.portfolio(name);
    expect(p?.status).toMatchObject({ phase: 'Degraded', runningEpoch: 3, runningNode: zombieId });
    await zombie.close();
  });

  test('S8.02 halted: the open order is cancelled, no new orders, the node leaves the phase to the operator', async () => {
    const a = `nc-${s}-a`;
    const b = `nc-${s}-b`;
    const worker = node.node.worker(a)!;
    const producer = await bus.producer();
    // An order that stays open: a limit-up buy (11.00 on a 10.00 close) has no seller on any paper gateway.
    await patchSpec(clients, namespace, a, { interestedCodes: [codeA, codeH] });
    await waitFor('codeH routed to a', () => (node.node.interestedCodes().includes(codeH) ? true : undefined));
    await producer.send(topics.marketData('cn'), [
      { key: codeH, value: JSON.stringify(tick(`nc-${s}-h1`, codeH, 1100, 3)) },
    ]);
    const open = await waitFor('the limit-up buy', () =>
      orders.items.find((o) => o.type === 'submit' && o.portfolioId === a && o.code === codeH),
    );
    expect(open).toMatchObject({ side: 'BUY', price: 1100, epoch: 1, nodeId });
    expect(worker.engine.view().openOrders.map((o) => o.clientOrderId)).toContain(open.clientOrderId);
    await bed.operatorStatus(a, {
      phase: 'Halted',
      conditions: assignedConditions(operatorCondition('Halted', 'True', 'EmergencyStop')),
    });
    await waitFor('worker halted', () => (worker.isHalted ? true : undefined));
    const cancel = await waitFor(`cancel of ${open.clientOrderId}`, () =>
      orders.items.find((o) => o.type === 'cancel' && o.clientOrderId === open.clientOrderId),
    );
    expect(cancel).toMatchObject({ portfolioId: a, epoch: 1, nodeId });
    expect(
      worker.engine.view().openOrders.filter((o) => o.status !== 'CANCEL_PENDING' && o.status !== 'CANCELLED'),
    ).toEqual([]);
    // A new code for both a (halted) and b (running): b's order proves the node routed the tick to both.
    const other = uniqueCodes(1)[0]!;
    await patchSpec(clients, namespace, a, { interestedCodes: [codeA, codeH, other] });
    await patchSpec(clients, namespace, b, { interestedCodes: [codeB, other] });
    await waitFor('a and b both want the new code', () =>
      node.node.worker(a)?.engine.interestedCodes().includes(other) &&
      node.node.worker(b)?.engine.interestedCodes().includes(other)
        ? true
        : undefined,
    );
    await producer.send(topics.marketData('cn'), [
      { key: other, value: JSON.stringify(tick(`nc-${s}-t3`, other, 1000, 5)) },
    ]);
    await waitFor('b bought the new code', () =>
      orders.items.find((o) => o.type === 'submit' && o.portfolioId === b && o.code === other),
    );
    await waitFor('a has handled its queue', () =>
      worker.queueDepth === 0 && worker.busySince === undefined ? true : undefined,
    );
    expect(orders.items.filter((o) => o.portfolioId === a && o.type === 'submit').map((o) => o.clientOrderId)).toEqual([
      `${a}-1`,
      open.clientOrderId,
    ]);
    const p = await bed.portfolio(a);
    expect(p?.status?.phase).toBe('Halted');
    expect(p?.status?.conditions?.find((c) => c.type === 'Halted')?.status).toBe('True');
    await producer.close();
    // Lifted: the operator writes Halted=False and phase Assigned; the node says Running again.
    await bed.operatorStatus(a, {
      phase: 'Assigned',
      conditions: assignedConditions(operatorCondition('Halted', 'False', 'Resumed')),
    });
    await waitFor('Running after the halt is lifted', async () =>
      (await bed.portfolio(a))?.status?.phase === 'Running' ? true : undefined,
    );
  });

  test('S2.06 desiredState Stopped: worker drained, interest cleaned, phase Stopped with condition Stopped/DesiredStateStopped', async () => {
    const b = `nc-${s}-b`;
    await patchSpec(clients, namespace, b, { desiredState: 'Stopped' });
    const p = await waitFor('b Stopped', async () => {
      const p = await bed.portfolio(b);
      return p?.status?.phase === 'Stopped' ? p : undefined;
    });
    expect(p.status?.conditions?.find((c) => c.type === 'Stopped')).toMatchObject({
      status: 'True',
      reason: 'DesiredStateStopped',
    });
    expect(node.node.portfolioIds()).not.toContain(b);
    await waitFor('codeB no longer announced', () => {
      const last = interest.items.at(-1);
      return last && !last.codes.includes(codeB) ? true : undefined;
    });
  });

  test('S2.07 deletion handshake: stop, archive state, phase Stopped + Stopped/Deleted, also for a portfolio never started', async () => {
    const a = `nc-${s}-a`;
    const never = `nc-${s}-n`;
    await bed.createPortfolio(never, { ...spec(codeB), desiredState: 'Stopped' }, true);
    await assign(never, 1);
    for (const name of [a, never]) {
      await clients.custom.deleteNamespacedCustomObject({
        group: 'ginkgo.live',
        version: 'v1alpha1',
        namespace,
        plural: 'portfolios',
        name,
      });
      const p = await waitFor(`${name} deletion handshake`, async () => {
        const p = await bed.portfolio(name);
        const c = p?.status?.conditions?.find((x) => x.type === deletionHandshake.conditionType);
        return p?.status?.phase === 'Stopped' &&
          c?.status === deletionHandshake.status &&
          c.reason === deletionHandshake.reason
          ? p
          : undefined;
      });
      expect(p.metadata.deletionTimestamp).toBeDefined();
    }
    expect(node.node.portfolioIds()).not.toContain(a);
    const rows = await db.query<{ deleted_at: string | null }>(
      'SELECT deleted_at FROM portfolio_state WHERE portfolio_id = ?',
      [a],
    );
    expect(rows[0]?.deleted_at).not.toBeNull();
  });

  test('S3.02 graceful stop (what SIGTERM runs): portfolios stopped, state saved, Lease released', async () => {
    const running = node.node.portfolioIds();
    await node.stop();
    expect(node.node.portfolioIds()).toEqual([]);
    for (const id of running) {
      const rows = await db.query<{ node_id: string }>('SELECT node_id FROM portfolio_state WHERE portfolio_id = ?', [
        id,
      ]);
      expect(rows.map((r) => r.node_id)).toEqual([nodeId]);
    }
    const lease = await clients.coordination.readNamespacedLease({
      name: `${nodeLease.namePrefix}${nodeId}`,
      namespace,
    });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  });
});
