import {
  OrderEvent,
  topics,
  type OrderMessage,
  type PortfolioResource,
  type PortfolioSpecInput,
  type PriceUpdate,
} from '@ginkgo/contracts';
import { KafkaMessageBus, createLogger, type KubeClients, type MessageProducer } from '@ginkgo/platform';
import { testBedEnv } from '@ginkgo/platform/testing';
import {
  eventually,
  freePort,
  startProcess as spawnProcess,
  waitReady,
  type ManagedProcess,
} from '../../e2e/test/support/processes.js';
import { shanghaiTs } from '../../e2e/test/support/market-time.js';
import {
  condition,
  createPortfolio,
  getPortfolio,
  kubeClients,
  patchPortfolio,
  teardownNamespace,
  uniqueSuffix,
} from './kube-helpers.js';

async function startProcess(
  name: string,
  entry: 'operator' | 'node-runtime' | 'livecore',
  env: Record<string, string>,
): Promise<ManagedProcess> {
  const port = await freePort();
  const p = await spawnProcess(name, entry, { ...env, HEALTH_PORT: String(port) });
  return { ...p, healthPort: port };
}

/**
 * The operator e2e tests (e2e/test/operator-*.test.ts): the real operator, node-runtime and livecore
 * processes (compiled dist mains) in a namespace of their own, short node Leases so failover is quick.
 */
export class E2eCluster {
  readonly suffix = uniqueSuffix();
  readonly namespace: string;
  readonly clients: KubeClients = kubeClients();
  readonly nodes = new Map<string, ManagedProcess>();
  operator?: ManagedProcess;
  /** Further operator replicas (leader election): by identity. */
  readonly operatorReplicas = new Map<string, ManagedProcess>();
  livecore?: ManagedProcess;
  private operatorEnv: Record<string, string> = {};
  private bus?: KafkaMessageBus;
  private producer?: Promise<MessageProducer>;
  private seq = 0;
  readonly env: Record<string, string>;

  constructor(
    prefix: string,
    readonly leaseSeconds = 4,
  ) {
    this.namespace = `e2e-${prefix}-${this.suffix}`;
    this.env = testBedEnv(this.namespace);
  }

  /** Namespace, operator (installs the CRD) and optionally livecore (paper gateway). */
  async start(
    opts: { livecore?: boolean; livecoreEnv?: Record<string, string>; operatorEnv?: Record<string, string> } = {},
  ): Promise<this> {
    this.operatorEnv = opts.operatorEnv ?? {};
    await this.clients.core.createNamespace({ body: { metadata: { name: this.namespace } } });
    this.operator = await this.startOperator();
    const waits = [waitReady(this.operator)];
    if (opts.livecore) {
      this.livecore = await startProcess('livecore', 'livecore', { ...this.env, MARKET: 'cn', ...opts.livecoreEnv });
      waits.push(waitReady(this.livecore));
    }
    await Promise.all(waits);
    return this;
  }

  /** The identity of the first operator (the one start() waits to lead). */
  get operatorId(): string {
    return `op-${this.suffix}`;
  }

  private startOperator(id = this.operatorId): Promise<ManagedProcess> {
    return startProcess(id === this.operatorId ? 'operator' : `operator-${id}`, 'operator', {
      ...this.env,
      INSTALL_CRDS: 'true',
      OPERATOR_ID: id,
      NODE_LEASE_GRACE_SECONDS: '0',
      // The node releases on handoverTo (stop, persist, releasedEpoch): the fallback never fires in a clean
      // hand-over, and tests assert there was no HandoverTimedOut event.
      HANDOVER_TIMEOUT_SECONDS: '30',
      ...this.operatorEnv,
    });
  }

  /**
   * Starts operator `id` (the first or a replica next to it), SIGKILLing an earlier process of that identity.
   * A replica is ready only once it leads, so nothing waits for it here.
   */
  async startOperatorReplica(id: string): Promise<ManagedProcess> {
    await this.operatorProcess(id)?.kill();
    const p = await this.startOperator(id);
    if (id === this.operatorId) this.operator = p;
    else this.operatorReplicas.set(id, p);
    return p;
  }

  /** The operator process of an identity (the first or a replica). */
  operatorProcess(id: string): ManagedProcess | undefined {
    return id === this.operatorId ? this.operator : this.operatorReplicas.get(id);
  }

  /** SIGKILLs the operator and starts it again (same identity, as a restarted container): ready once it leads. */
  async restartOperator(): Promise<void> {
    await this.operator?.kill();
    this.operator = await this.startOperator();
    await waitReady(this.operator);
  }

  nodeId(short: string): string {
    return `${short}-${this.suffix}`;
  }

  async startNode(short: string, env: Record<string, string> = {}): Promise<string> {
    const id = this.nodeId(short);
    const p = await startProcess(`node-runtime-${short}`, 'node-runtime', {
      ...this.env,
      NODE_ID: id,
      NODE_LEASE_SECONDS: String(this.leaseSeconds),
      STATUS_INTERVAL_MS: '100',
      REFERENCE_CLOCK: 'source',
      ...env,
    });
    this.nodes.set(short, p);
    await waitReady(p);
    return id;
  }

  node(short: string): ManagedProcess {
    const p = this.nodes.get(short);
    if (!p) throw new Error(`no node ${short}`);
    return p;
  }

  async apply(name: string, spec: PortfolioSpecInput): Promise<void> {
    await createPortfolio(this.clients, this.namespace, name, spec as never);
  }

  get(name: string): Promise<PortfolioResource | undefined> {
    return getPortfolio(this.clients, this.namespace, name);
  }

  patch(name: string, body: object, status = false): Promise<PortfolioResource> {
    return patchPortfolio(this.clients, this.namespace, name, body, status);
  }

  /** Polls the Portfolio until `pred` holds (generous deadline: the machine is shared). */
  until(
    what: string,
    name: string,
    pred: (p: PortfolioResource) => boolean,
    timeoutMs = 45000,
  ): Promise<PortfolioResource> {
    return eventually(
      what,
      async () => {
        const p = await this.get(name);
        return p && pred(p) ? p : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Running on `node` (phase and the node's own runningNode/runningEpoch agree with the assignment). */
  running(name: string, node?: string, timeoutMs?: number): Promise<PortfolioResource> {
    return this.until(
      `${name} Running${node ? ` on ${node}` : ''}`,
      name,
      (p) => {
        const st = p.status ?? {};
        return (
          st.phase === 'Running' &&
          !!st.assignedNode &&
          (node === undefined || st.assignedNode === node) &&
          st.runningNode === st.assignedNode &&
          st.runningEpoch === st.epoch
        );
      },
      timeoutMs,
    );
  }

  private async kafka(): Promise<KafkaMessageBus> {
    this.bus ??= new KafkaMessageBus({
      brokers: this.env.KAFKA_BROKERS!.split(','),
      clientId: `e2e-op-${this.suffix}`,
      logger: createLogger('e2e'),
    });
    return this.bus;
  }

  private async producerOnce(): Promise<MessageProducer> {
    const bus = await this.kafka();
    this.producer ??= bus.producer();
    return this.producer;
  }

  /** A tick inside the A-share morning session of 2026-11-24 (source clock), one second apart. */
  async tick(code: string, price: number, prevClose = price): Promise<PriceUpdate> {
    this.seq++;
    const t: PriceUpdate = {
      type: 'price',
      eventId: `e2e-${this.suffix}-${this.seq}`,
      ts: shanghaiTs('2026-11-24', '10:00', this.seq),
      seq: this.seq,
      market: 'cn',
      code,
      kind: 'tick',
      price,
      volume: 100000,
      prevClose,
    };
    const producer = await this.producerOnce();
    await producer.send(topics.marketData('cn'), [{ key: code, value: JSON.stringify(t) }]);
    return t;
  }

  /** Reasons of the Kubernetes Events the operator wrote about a portfolio (HandingOver, Drained, HandoverTimedOut, ...). */
  async eventReasons(name: string): Promise<string[]> {
    const list = await this.clients.core.listNamespacedEvent({
      namespace: this.namespace,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return list.items.map((e) => e.reason ?? '');
  }

  /**
   * Keeps what `pick` takes of a topic's JSON values, from the beginning: a new group's "latest" offset is only
   * fixed at its first fetch, so a message sent right after joining could otherwise be missed. The topics also
   * carry other tests' values, fuzzed ones included: what is not JSON is skipped.
   */
  private async collect<T>(
    topic: string,
    group: string,
    pick: (value: unknown) => T | undefined,
  ): Promise<{ items: T[]; close: () => Promise<void> }> {
    const items: T[] = [];
    const consumer = await (
      await this.kafka()
    ).consumer({ groupId: `e2e-op-${group}-${this.suffix}-${this.seq++}`, topics: [topic], fromBeginning: true });
    await consumer.run(async (m) => {
      let value: unknown;
      try {
        value = JSON.parse(m.value ?? 'null');
      } catch {
        return;
      }
      const item = pick(value);
      if (item !== undefined) items.push(item);
    });
    await consumer.joined();
    return { items, close: () => consumer.close() };
  }

  /** The order events of these portfolios on order.events.cn (valid ones only). */
  async watchOrderEvents(portfolios: string[]): Promise<{ events: OrderEvent[]; close: () => Promise<void> }> {
    const w = await this.collect(topics.orderEvents('cn'), 'events', (v) => {
      const e = OrderEvent.safeParse(v);
      return e.success && portfolios.includes(e.data.portfolioId) ? e.data : undefined;
    });
    return { events: w.items, close: w.close };
  }

  /** The orders.cn messages of these portfolios. */
  async watchOrders(portfolios: string[]): Promise<{ orders: OrderMessage[]; close: () => Promise<void> }> {
    const w = await this.collect(topics.orders('cn'), 'orders', (v) => {
      const o = v as OrderMessage | null;
      return o && portfolios.includes(o.portfolioId) ? o : undefined;
    });
    return { orders: w.items, close: w.close };
  }

  async send(order: OrderMessage): Promise<void> {
    const producer = await this.producerOnce();
    await producer.send(topics.orders('cn'), [{ key: order.portfolioId, value: JSON.stringify(order) }]);
  }

  /** Processes stopped, finalizers dropped, the namespace emptied and finalized (no Terminating leftovers). */
  async stop(): Promise<void> {
    const procs = [...this.nodes.values(), this.livecore, this.operator, ...this.operatorReplicas.values()].filter(
      (p): p is ManagedProcess => !!p,
    );
    await Promise.all(procs.map((p) => p.stop(10000)));
    if (this.producer) await (await this.producer).close().catch(() => undefined);
    await this.bus?.close().catch(() => undefined);
    await teardownNamespace(this.clients, this.namespace);
  }
}

export const assignedTo = (p: PortfolioResource) => p.status?.assignedNode;
export { condition, eventually };

/** Log line of a process (pino JSON) matching `msg`, parsed. */
export function logLine(
  p: ManagedProcess,
  msg: string,
  pred: (l: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> | undefined {
  for (const line of p.logs) {
    if (!line.includes(msg)) continue;
    try {
      const l = JSON.parse(line) as Record<string, unknown>;
      if (l.msg === msg && pred(l)) return l;
    } catch {
      // not JSON
    }
  }
  return undefined;
}

/**
 * Registers a suite's hooks: before its tests the cluster starts with livecore and the nodes `shorts`, after
 * them it stops. Returns the nodes' ids (known up front: they derive from the short names).
 */
export function withLivecoreAndNodes(c: E2eCluster, shorts: string[]): string[] {
  beforeAll(async () => {
    await c.start({ livecore: true });
    for (const short of shorts) await c.startNode(short);
  }, 180000);
  afterAll(() => c.stop(), 60000);
  return shorts.map((short) => c.nodeId(short));
}
