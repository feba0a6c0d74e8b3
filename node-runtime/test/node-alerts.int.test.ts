import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { TcpProxy, startKafkaProxy } from '@ginkgo/platform/testing';
import { env, tick, topics, waitFor } from './helpers.js';
import { nodeTestBed, type TestNode } from './node-fixture.js';
import { proxyFor } from './resilience-helpers.js';
import { chartAlertRules, firing, startPrometheus, type Prometheus } from './prometheus.js';

/**
 * The node as node-runtime wires it (startNodeRuntime), every dependency reached through a proxy the test
 * can cut, scraped by a real Prometheus that evaluates the chart's alert rules: each alert must fire under
 * its condition, on the process' own metrics.
 */
describe('node-runtime alerts through Prometheus and the chart rules', () => {
  const bed = nodeTestBed('node-alerts', 'na', 10);
  const { s, namespace, nodeId, bus } = bed;
  // Ten codes: a full queue conflates ticks of a code already queued; ticks of other codes must wait in Kafka.
  const codes = bed.codes;
  const code = codes[0]!;
  let mysql: { proxy: TcpProxy; url: string };
  let redis: { proxy: TcpProxy; url: string };
  let kafka: TcpProxy;
  let apiserver: TcpProxy;
  let node: TestNode;
  let prom: Prometheus;

  beforeAll(async () => {
    await bed.setUp();
    mysql = await proxyFor('MYSQL_URL');
    redis = await proxyFor('REDIS_URL');
    kafka = await startKafkaProxy({ brokerPort: Number(env('KAFKA_BROKERS').split(',')[0]!.split(':')[1]) });
    // The API server through a TCP proxy too (TLS passes through; the certificate names 127.0.0.1).
    const kubeconfig = readFileSync(env('KUBECONFIG'), 'utf8');
    const server = /server: https:\/\/127\.0\.0\.1:(\d+)/.exec(kubeconfig);
    if (!server) throw new Error(`no https://127.0.0.1:<port> server in ${env('KUBECONFIG')}`);
    apiserver = await TcpProxy.start({ targetPort: Number(server[1]) });
    const kubeconfigFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'node-alerts-')), 'kubeconfig');
    writeFileSync(kubeconfigFile, kubeconfig.replace(server[0], `server: https://127.0.0.1:${apiserver.port}`));
    node = await bed.startNode(nodeId, {
      MYSQL_URL: mysql.url,
      REDIS_URL: redis.url,
      KAFKA_BROKERS: `127.0.0.1:${kafka.port}`,
      KUBECONFIG: kubeconfigFile,
      QUEUE_CAPACITY: '2',
      WATCHDOG_STALL_MS: '2000',
      METRICS_INTERVAL_MS: '300',
      DEPENDENCY_CHECK_INTERVAL_MS: '300',
    });
    const groups = await chartAlertRules(namespace, [
      'monitoring.alerts.kafkaLagMessages=5',
      'monitoring.alerts.queueFullRatio=1',
      'monitoring.alerts.eventLoopLagSeconds=0.1',
      'monitoring.alerts.rssGrowthBytesPerHour=104857600',
    ]);
    prom = await startPrometheus({ targets: [{ port: node.healthPort, labels: { namespace, pod: nodeId } }], groups });
    await waitFor('Prometheus scrapes the node', async () =>
      (await prom.query('up{job="ginkgo"}'))[0]?.value[1] === '1' ? true : undefined,
    );
    const rules = await prom.rules();
    expect(rules.filter((r) => r.health === 'err')).toEqual([]);
  }, 120000);

  afterAll(async () => {
    for (const p of [mysql?.proxy, redis?.proxy, kafka, apiserver]) p?.restore();
    await prom?.stop();
    await bed.tearDown();
    for (const p of [mysql?.proxy, redis?.proxy, kafka, apiserver]) await p?.close();
  }, 120000);

  const alert = (name: string, labels: Record<string, string> = {}) =>
    waitFor(`${name} ${JSON.stringify(labels)} firing`, async () => firing(await prom.alerts(), name, labels), 60000);

  test('S7.04 S7.06 S5.06 a worker stuck on a save: Degraded/WorkerStalled and its alert, queue full and its alert, the backlog held in Kafka raises the lag alert with a scale-out hint, all applied once MySQL answers', async () => {
    const name = `na-${s}-p`;
    await bed.createPortfolio(
      name,
      {
        market: 'cn',
        initialCash: '100000.00',
        strategy: { name: 'buy-and-hold', params: { maxPrice: '0.01' } }, // never trades: pure state work
        interestedCodes: codes,
      },
      true,
    );
    await bed.assign(name, 1);
    await bed.running(name);
    const worker = () => node.node.worker(name);
    const producer = await bus.producer();
    // Warm-up ticks applied and committed on the code's partition: the group has an offset there to lag
    // behind (a partition the group never committed on is reported without lag).
    const admin = new Kafka({
      clientId: `na-${s}-admin`,
      brokers: env('KAFKA_BROKERS').split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const md = topics.marketData('cn');
    const [meta] = (await admin.fetchTopicMetadata({ topics: [md] })).topics;
    const partition = Partitioners.DefaultPartitioner()({
      topic: md,
      partitionMetadata: meta!.partitions,
      message: { key: code, value: null },
    });
    const warm = [tick(`na-${s}-warm1`, code, 998, 0, 0), tick(`na-${s}-warm2`, code, 999, 0, 0)];
    await producer.send(
      md,
      warm.map((t) => ({ key: code, value: JSON.stringify(t) })),
    );
    const high = Number((await admin.fetchTopicOffsets(md)).find((o) => o.partition === partition)!.high);
    const committedOn = async () =>
      Number(
        (await admin.fetchOffsets({ groupId: `ginkgo-node-${nodeId}-md`, topics: [md] }))[0]?.partitions.find(
          (o) => o.partition === partition,
        )?.offset ?? -1,
      );
    await waitFor('warm-up ticks committed', async () => {
      const w = worker();
      const settled = w?.engine.view().lastEventTs === warm[1]!.ts && w.busySince === undefined && w.queueDepth === 0;
      return settled && (await committedOn()) >= high ? true : undefined;
    });
    // MySQL stops answering (connections open, bytes vanish): the next state save hangs.
    mysql.proxy.blackhole();
    const n = 30;
    const ticks = Array.from({ length: n }, (_, i) =>
      tick(`na-${s}-${i}`, codes[i % codes.length]!, 1000 + i, i + 1, i + 1),
    );
    await producer.send(topics.marketData('cn'), [{ key: ticks[0]!.code, value: JSON.stringify(ticks[0]) }]);
    // The watchdog of the running node marks it Degraded with the reason and the event it is stuck on.
    const stalled = await waitFor('Degraded/WorkerStalled', async () => {
      const p = await bed.portfolio(name);
      const stuck =
        p?.status?.phase === 'Degraded' &&
        p.status.conditions?.some((c) => c.type === 'Degraded' && c.reason === 'WorkerStalled');
      return stuck && p.status?.message?.includes(`on ${ticks[0]!.eventId}`) ? p : undefined;
    });
    expect(stalled.status?.message).toMatch(new RegExp(`^worker stalled \\d+ ms on ${ticks[0]!.eventId}`));
    await producer.send(
      topics.marketData('cn'),
      ticks.slice(1).map((t) => ({ key: t.code, value: JSON.stringify(t) })),
    );
    // Bounded queue full, the rest held in Kafka: the consumer stops fetching instead of buffering.
    await waitFor('queue full', () => (worker()?.queueDepth === 2 ? true : undefined));
    const stalledAlert = await alert('GinkgoWorkerStalled', { pod: nodeId });
    expect(stalledAlert.labels.severity).toBe('critical');
    await alert('GinkgoNodeQueueFull', { pod: nodeId });
    const lag = await alert('GinkgoNodeConsumerLagHigh', { pod: nodeId, topic: md });
    expect(lag.labels.action).toBe('scale-out');
    expect(lag.annotations.description).toMatch(/add node-runtime replicas/);
    expect(Number(lag.value)).toBeGreaterThan(5);
    await admin.disconnect();
    expect(worker()!.processed + worker()!.queueDepth).toBeLessThan(n); // the backlog is not in memory

    // MySQL answers again (the hung connection is reset and retried): everything is applied, nothing dropped.
    mysql.proxy.cut();
    mysql.proxy.restore();
    await waitFor(
      'last tick applied',
      () => (worker()?.engine.view().lastEventTs === ticks[n - 1]!.ts ? true : undefined),
      60000,
    );
    // Each tick applied, or replaced at the full queue by a newer tick of its code (conflation, counted).
    expect(worker()!.processed + worker()!.conflated).toBeGreaterThanOrEqual(n);
    await producer.close();
  }, 180000);

  test('S7.02 a blocked event loop raises GinkgoEventLoopLagHigh from the exported lag', async () => {
    // Blocks this process (the node runs in it) 300 ms at a time until the alert fires.
    let blocking = true;
    const blocker = (async () => {
      while (blocking) {
        const until = Date.now() + 300;
        while (Date.now() < until) {
          // busy: nothing else runs
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const a = await alert('GinkgoEventLoopLagHigh', { pod: nodeId });
      expect(Number(a.value)).toBeGreaterThan(0.1);
    } finally {
      blocking = false;
      await blocker;
    }
    expect((await prom.query(`process_cpu_seconds_total{pod="${nodeId}"}`))[0]?.value[1]).toMatch(/^[0-9.]+$/);
  }, 90000);

  test('S7.01 resident memory growing raises GinkgoProcessMemoryGrowing from the exported RSS', async () => {
    const held: Buffer[] = [];
    try {
      // 160 MB touched over a few seconds: RSS grows well above 100 MB/h.
      const a = await waitFor(
        'GinkgoProcessMemoryGrowing firing',
        async () => {
          if (held.length < 16) held.push(Buffer.alloc(10 * 1024 * 1024, 1));
          return firing(await prom.alerts(), 'GinkgoProcessMemoryGrowing', { pod: nodeId });
        },
        60000,
      );
      expect(Number(a.value)).toBeGreaterThan(104857600);
      const heap = await prom.query(`nodejs_heap_size_used_bytes{pod="${nodeId}"}`);
      expect(Number(heap[0]?.value[1])).toBeGreaterThan(0);
    } finally {
      held.length = 0;
    }
  }, 90000);

  test('S7.09 Kafka, Redis, MySQL and the API server unreachable: GinkgoDependencyDown fires for each, readiness drops', async () => {
    for (const p of [kafka, redis.proxy, mysql.proxy, apiserver]) p.cut();
    for (const dependency of ['kafka', 'redis', 'mysql', 'kube']) {
      const a = await alert('GinkgoDependencyDown', { pod: nodeId, dependency });
      expect(a.labels.severity).toBe('critical');
    }
    await waitFor('not ready', async () =>
      (await fetch(`http://127.0.0.1:${node.healthPort}/readyz`)).status === 503 ? true : undefined,
    );
    for (const p of [kafka, redis.proxy, mysql.proxy, apiserver]) p.restore();
    await waitFor(
      'every dependency up again',
      async () => ((await prom.alerts()).some((a) => a.labels.alertname === 'GinkgoDependencyDown') ? undefined : true),
      90000,
    );
  }, 180000);
});
