import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { PriceUpdate, nodeLease, topics, type OrderMessage, type SubmitOrder } from '@ginkgo/contracts';
import { KafkaMessageBus, MySqlDatabase, checkMessage, createLogger } from '@ginkgo/platform';
import { E2eCluster, condition, eventually, logLine } from '../../operator/test/e2e-harness.js';
import { apiMessage } from './support/chart.js';
import { uniqueCodes } from './support/isolation.js';
import { buyAndHoldSpec as buyAndHold } from '@ginkgo/platform/testing';

/**
 * A portfolio's and a node's life with the real processes: created, interest changed, a crashing worker,
 * a node starting and a node stopped by SIGTERM. Node Leases last 30 s here, so a takeover seen well within
 * that time did not wait for the Lease to expire.
 */
describe('e2e: portfolio and node lifecycle', () => {
  const c = new E2eCluster('nodelife', 30);
  // Codes the livecore feeder polls from the local quote server (published only while some node wants them).
  const [fedOld, fedNew] = uniqueCodes(2) as [string, string];
  let quotes: Server;
  let dir = '';
  let n1 = '';
  let n2 = '';
  /** Quote server in the Sina format: every request is one second later on 2026-11-24 (10:00:00 + n). */
  let second = 0;

  const submits = (orders: OrderMessage[], name: string) =>
    orders.filter((o): o is SubmitOrder => o.type === 'submit' && o.portfolioId === name);
  const position = (name: string, code: string) =>
    c.get(name).then((p) => p?.status?.positions?.find((x) => x.code === code)?.volume);
  const nodeProcess = (id: string) => c.node(id === n1 ? 'l1' : 'l2');

  beforeAll(async () => {
    quotes = createServer((req, res) => {
      second++;
      const time = `10:${String(Math.floor(second / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}`;
      const symbols = (req.url ?? '').replace(/^\/list=/, '').split(',');
      const book = Array.from({ length: 20 }, () => '0').join(',');
      const lines = symbols.map(
        (s) =>
          `var hq_str_${s}="STOCK,10.00,10.00,10.00,10.00,10.00,10.00,10.00,${second * 1000},0,${book},2026-11-24,${time},00";`,
      );
      res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\n'));
    });
    await new Promise<void>((r) => quotes.listen(0, '127.0.0.1', r));
    const port = (quotes.address() as { port: number }).port;
    dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-nodelife-'));
    const sources = path.join(dir, 'sources.json');
    writeFileSync(
      sources,
      JSON.stringify({
        sources: [
          { kind: 'http', name: 'local', url: `http://127.0.0.1:${port}`, codes: [fedOld, fedNew], intervalMs: 300 },
        ],
      }),
    );
    await c.start({ livecore: true, livecoreEnv: { FEEDER_SOURCES_FILE: sources, FEEDER_FILTER_BY_INTEREST: 'true' } });
  }, 180000);

  afterAll(async () => {
    await c.stop();
    await new Promise((r) => quotes.close(r));
    rmSync(dir, { recursive: true, force: true });
  }, 60000);

  test('S3.01 a node starts: own Lease created and renewed, the portfolio waiting for a node is started, consumption begins', async () => {
    const name = `wait-${c.suffix}`;
    const [code] = uniqueCodes(1) as [string];
    await c.apply(name, buyAndHold([code]));
    await c.until(`${name} waits for a node`, name, (p) => condition(p, 'Assigned')?.status === 'False');
    // GINKGO_FAULT_STRATEGY: the S2.10 test below needs a strategy that throws (off in production).
    n1 = await c.startNode('l1', { GINKGO_FAULT_STRATEGY: 'true' });
    const leaseName = `${nodeLease.namePrefix}${n1}`;
    const first = await c.clients.coordination.readNamespacedLease({ name: leaseName, namespace: c.namespace });
    expect(first.spec?.holderIdentity).toBe(n1);
    expect(first.metadata?.labels?.[nodeLease.labelRole]).toBe(nodeLease.roleValue);
    const running = await c.running(name, n1);
    expect(running.status?.runningEpoch).toBe(1);
    const w = await c.watchOrders([name]);
    try {
      await c.tick(code, 1000);
      const order = await eventually('an order from the first tick', async () => submits(w.orders, name)[0], 45000);
      expect(order).toMatchObject({ code, epoch: 1, nodeId: n1 });
    } finally {
      await w.close();
    }
    const renewed = await eventually(
      'the Lease renewed',
      async () => {
        const l = await c.clients.coordination.readNamespacedLease({ name: leaseName, namespace: c.namespace });
        return new Date(l.spec?.renewTime ?? 0).getTime() > new Date(first.spec?.renewTime ?? 0).getTime()
          ? l
          : undefined;
      },
      45000,
    );
    expect(renewed.spec?.holderIdentity).toBe(n1);
    // A second node: an identity and a Lease of its own.
    n2 = await c.startNode('l2', { GINKGO_FAULT_STRATEGY: 'true' });
    const second2 = await c.clients.coordination.readNamespacedLease({
      name: `${nodeLease.namePrefix}${n2}`,
      namespace: c.namespace,
    });
    expect(second2.spec?.holderIdentity).toBe(n2);
    expect(n2).not.toBe(n1);
  }, 180000);

  test('S2.01 a Portfolio applied to the API server: bad specs refused naming the field, the name is unique, a good one assigned and running', async () => {
    const name = `new-${c.suffix}`;
    const [code] = uniqueCodes(1) as [string];
    const refused = async (spec: object) => {
      try {
        await c.apply(`bad-${c.suffix}`, spec as never);
      } catch (err) {
        return apiMessage(err);
      }
      throw new Error('a bad spec was accepted');
    };
    expect(await refused({ ...buyAndHold([code]), initialCash: 'abc' })).toContain('spec.initialCash');
    expect(await refused({ ...buyAndHold([code]), interestedCodes: ['AAPL'] })).toContain('spec.interestedCodes');
    await c.apply(name, buyAndHold([code]));
    const again = await c.apply(name, buyAndHold([code])).then(
      () => 'created twice',
      (err: unknown) => apiMessage(err),
    );
    expect(again).toContain('already exists');
    const p = await c.running(name);
    expect(condition(p, 'Accepted')?.status).toBe('True');
    expect([n1, n2]).toContain(p.status?.assignedNode);
    expect(p.status?.epoch).toBe(1);
  });

  test('S2.05 interestedCodes patched on a running portfolio: no restart, state kept, the feeder follows, new code arrives, removed one stops', async () => {
    const name = `interest-${c.suffix}`;
    const bus = new KafkaMessageBus({
      brokers: c.env.KAFKA_BROKERS!.split(','),
      clientId: `e2e-nodelife-md-${c.suffix}`,
      logger: createLogger('e2e'),
    });
    // What the feeder publishes of the two codes it polls, in order of source time.
    const fed: PriceUpdate[] = [];
    const md = await bus.consumer({
      groupId: `e2e-nodelife-md-${c.suffix}`,
      topics: [topics.marketData('cn')],
      fromBeginning: true,
    });
    await md.run(async (m) => {
      // market.data.cn also carries the malformed values of kafka-fuzz: only schema-valid ticks count.
      const t = checkMessage(PriceUpdate, m);
      if (t.ok && (t.value.code === fedOld || t.value.code === fedNew)) fed.push(t.value);
    });
    await md.joined();
    const w = await c.watchOrders([name]);
    try {
      await c.apply(name, buyAndHold([fedOld]));
      const before = await c.running(name);
      const node = before.status!.assignedNode!;
      // The feeder publishes fedOld once the node announced it; the portfolio buys it and the gateway fills.
      await eventually(
        'the fedOld position',
        async () => ((await position(name, fedOld)) === 100 ? true : undefined),
        60000,
      );
      expect(fed.some((t) => t.code === fedNew)).toBe(false);
      await c.patch(name, { spec: { interestedCodes: [fedNew] } });
      const after = await c.until(
        'the new generation running',
        name,
        (p) => p.status?.phase === 'Running' && p.status.runningGeneration === 2,
      );
      // The same run: same node and epoch, the worker updated in place, never stopped or started again.
      expect(after.status).toMatchObject({
        assignedNode: node,
        epoch: before.status!.epoch,
        runningEpoch: before.status!.epoch,
      });
      const proc = nodeProcess(node);
      // The node reports Running before its log line reaches this test through the process's stdout pipe.
      await eventually(
        'the in-place update in the node log',
        async () => logLine(proc, 'interest set updated in place', (l) => l.portfolioId === name),
        15000,
      );
      expect(proc.logs.filter((l) => l.includes('"portfolio started"') && l.includes(`"${name}"`))).toHaveLength(1);
      expect(logLine(proc, 'portfolio stopped', (l) => l.portfolioId === name)).toBeUndefined();
      // Ticks of the new code arrive (through the feeder): the portfolio buys it, and still holds the old one.
      await eventually(
        'the fedNew position',
        async () => ((await position(name, fedNew)) === 100 ? true : undefined),
        60000,
      );
      expect(await position(name, fedOld)).toBe(100);
      // The test's own reader of orders.cn may lag behind the gateway that filled them.
      await eventually(
        'both orders read back',
        async () => (submits(w.orders, name).length >= 2 ? true : undefined),
        15000,
      );
      expect(submits(w.orders, name).map((o) => o.code)).toEqual([fedOld, fedNew]);
      // The feeder's subscription followed: three polls with fedNew published, and no fedOld since the switch.
      const news = await eventually(
        'three polls of fedNew',
        async () => {
          const n = fed.filter((t) => t.code === fedNew);
          return n.length >= 3 ? n : undefined;
        },
        30000,
      );
      // One poll asks for both codes and stamps both with the same source time; the feeder filters each publish
      // against the interest it holds then, so the switch may fall inside a poll (fedOld and fedNew at one time).
      // After that poll no fedOld is published: the later polls carry fedNew only.
      const lastOld = Math.max(...fed.filter((t) => t.code === fedOld).map((t) => t.ts));
      const newTimes = [...new Set(news.map((t) => t.ts))].sort((a, b) => a - b);
      expect(lastOld).toBeLessThanOrEqual(newTimes[0]!);
      expect(newTimes.filter((ts) => ts > lastOld).length).toBeGreaterThanOrEqual(2);
    } finally {
      await w.close();
      await md.close();
      await bus.close();
    }
  }, 240000);

  test('S2.10 a worker whose strategy throws: error persisted, Degraded with the message, alert metric, restarted; repeated failure stops it', async () => {
    const name = `crash-${c.suffix}`;
    const [c1, c2, c3] = uniqueCodes(3) as [string, string, string];
    await c.apply(name, { ...buyAndHold([c1, c2, c3]), strategy: { name: 'fault-throws', params: {} } });
    const started = await c.running(name);
    const proc = nodeProcess(started.status!.assignedNode!);
    const errorsMetric = async () => {
      const text = await (await fetch(`http://127.0.0.1:${proc.healthPort}/metrics`)).text();
      return Number(/^ginkgo_node_worker_errors_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? '0');
    };
    const errorsBefore = await errorsMetric();
    const w = await c.watchOrders([name]);
    const db = new MySqlDatabase(c.env.MYSQL_URL!);
    try {
      const boom = await c.tick(c1, 1060); // fault-throws throws at 10.50 and above
      const degraded = await c.until(
        'Degraded with the message',
        name,
        (p) => p.status?.phase === 'Degraded' && !!p.status.message?.includes('boom at 1060'),
      );
      expect(condition(degraded, 'Degraded')).toMatchObject({ status: 'True', reason: 'WorkerRestarted' });
      const errors = await eventually('the error row', async () => {
        const rows = await db.query<{ event_id: string; message: string }>(
          'SELECT event_id, message FROM portfolio_error WHERE portfolio_id = ?',
          [name],
        );
        return rows.length ? rows : undefined;
      });
      expect(errors).toEqual([
        expect.objectContaining({ event_id: boom.eventId, message: 'fault-throws: boom at 1060' }),
      ]);
      expect(await errorsMetric()).toBe(errorsBefore + 1);
      // Restarted from the last saved state: the next good tick is traded.
      await c.tick(c2, 1000);
      await eventually(
        'an order after the restart',
        async () => submits(w.orders, name).find((o) => o.code === c2),
        45000,
      );
      // Its fill is in before the next failures: a handled fill would break the run of consecutive failures.
      await c.until(
        'the order after the restart filled',
        name,
        (p) => p.status?.openOrders === 0 && !!p.status.positions?.some((x) => x.code === c2 && x.volume === 100),
      );
      // Three failures in a row: the worker gives up and the node stops it.
      for (let i = 0; i < 3; i++) await c.tick(c3, 1070);
      const failed = await c.until(
        'stopped after repeated failures',
        name,
        (p) => condition(p, 'Degraded')?.reason === 'WorkerFailed',
      );
      expect(failed.status?.message).toContain('stopped after 3 consecutive failures');
      expect(await errorsMetric()).toBe(errorsBefore + 4);
      expect(submits(w.orders, name).map((o) => o.code)).toEqual([c2]);
    } finally {
      await w.close();
      await db.close();
    }
  }, 180000);

  test('S3.02 SIGTERM while ticks flow: portfolios stopped and saved as applied, consumer left its group, Lease released, the other node takes over at once', async () => {
    const names = [1, 2, 3, 4].map((i) => `term${i}-${c.suffix}`);
    const codes = uniqueCodes(names.length * 6);
    const codesOf = (i: number) => codes.slice(i * 6, i * 6 + 6);
    for (const [i, name] of names.entries()) await c.apply(name, buyAndHold(codesOf(i)));
    for (const name of names) await c.running(name);
    const victim = n1;
    const survivor = n2;
    const onVictim: string[] = [];
    for (const name of names) if ((await c.get(name))?.status?.assignedNode === victim) onVictim.push(name);
    expect(onVictim.length).toBeGreaterThan(0);
    const w = await c.watchOrders(names);
    const kafka = new Kafka({
      brokers: c.env.KAFKA_BROKERS!.split(','),
      clientId: `e2e-nodelife-admin-${c.suffix}`,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // One tick per code, sent on and on while the node stops (round-robin over the portfolios).
      const order = codesOf(0).flatMap((_, k) => names.map((_, i) => codesOf(i)[k]!));
      let sent = 0;
      const flow = (async () => {
        for (const code of order) {
          await c.tick(code, 1000);
          sent++;
          await new Promise((r) => setTimeout(r, 100)); // paced, so that the stop happens in the middle of the flow
        }
      })();
      await eventually('ticks flowing', async () => (sent >= 6 ? true : undefined));
      const exit = await c.node('l1').stop(30000);
      expect(exit).toBe(0);
      // Consumers closed: both of the node's groups are empty right after the exit (not left to a session timeout).
      const groups = await admin.describeGroups([`ginkgo-node-${victim}-md`, `ginkgo-node-${victim}-oe`]);
      expect(groups.groups.map((g) => [g.groupId, g.state, g.members.length])).toEqual([
        [`ginkgo-node-${victim}-md`, 'Empty', 0],
        [`ginkgo-node-${victim}-oe`, 'Empty', 0],
      ]);
      const lease = await c.clients.coordination.readNamespacedLease({
        name: `${nodeLease.namePrefix}${victim}`,
        namespace: c.namespace,
      });
      expect(lease.spec?.holderIdentity ?? '').toBe('');
      // Taken over at once: within 20 s, less than the 30 s a Lease left to expire would take.
      for (const name of onVictim) await c.running(name, survivor, 20000);
      await flow;
      // Saved = applied: the successor resumed each portfolio from exactly what the stopped node had applied,
      // so every tick gave one order (none re-derived from a stale state, none lost) and one position.
      const all = await eventually(
        'an order per tick',
        async () => {
          const s = w.orders.filter((o): o is SubmitOrder => o.type === 'submit');
          return s.length >= codes.length ? s : undefined;
        },
        90000,
      );
      expect(all.map((o) => o.code).sort()).toEqual([...codes].sort());
      expect(new Set(all.map((o) => o.clientOrderId)).size).toBe(codes.length);
      for (const [i, name] of names.entries()) {
        const p = await c.until(
          `${name} holds its six codes`,
          name,
          (x) =>
            codesOf(i).every((code) => x.status?.positions?.some((pos) => pos.code === code && pos.volume === 100)),
          60000,
        );
        expect(p.status?.assignedNode).toBe(survivor);
      }
      const db = new MySqlDatabase(c.env.MYSQL_URL!);
      try {
        for (const name of onVictim) {
          const ids = submits(w.orders, name)
            .map((o) => o.clientOrderId)
            .sort();
          expect(ids).toEqual(
            codesOf(names.indexOf(name))
              .map((_, k) => `${name}-${k + 1}`)
              .sort(),
          );
          const rows = await db.query<{ node_id: string }>(
            'SELECT node_id FROM portfolio_state WHERE portfolio_id = ?',
            [name],
          );
          expect(rows.map((r) => r.node_id)).toEqual([survivor]);
        }
      } finally {
        await db.close();
      }
    } finally {
      await admin.disconnect();
      await w.close();
    }
  }, 300000);
});
