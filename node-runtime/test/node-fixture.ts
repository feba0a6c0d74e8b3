import { topics, type PortfolioResource, type PortfolioSpecInput, type PortfolioStatus } from '@ginkgo/contracts';
import type { KafkaMessageBus, KubeClients, MessageProducer, MySqlDatabase } from '@ginkgo/platform';
import { buyAndHoldSpec as buyAndHold } from '@ginkgo/platform/testing';
import {
  assignedConditions,
  collect,
  createNamespace,
  createPortfolio,
  dropNamespace,
  getPortfolio,
  kube,
  operatorStatus,
  startNode,
  suffix,
  testBus,
  testDb,
  tick,
  uniqueCodes,
  waitFor,
} from './helpers.js';

/** A cn portfolio that buys 100 shares on the first tick of each of its codes (then holds). */
export { buyAndHold };

/** A node as the node process wires it (startNodeRuntime), running in the test's process. */
export type TestNode = Awaited<ReturnType<typeof startNode>>;

export interface NodeTestBed {
  readonly clients: KubeClients;
  /** The run's suffix: part of every id, so files and reruns never share a portfolio, node or group. */
  readonly s: string;
  readonly namespace: string;
  /** The id of the file's (first) node. */
  readonly nodeId: string;
  /** Codes no other test trades. */
  readonly codes: string[];
  readonly bus: KafkaMessageBus;
  /** MySQL, connected on first use. */
  readonly db: MySqlDatabase;
  /** Creates the namespace (and the Portfolio CRD on a fresh API server): call in beforeAll. */
  setUp(): Promise<void>;
  /** Starts a node watching the namespace (env overrides in `extra`); `stop` may be called more than once. */
  startNode(nodeId?: string, extra?: Record<string, string>): Promise<TestNode>;
  /** JSON messages of a topic from now on that `keep` accepts. */
  collect<T>(topic: string, keep: (v: T) => boolean): ReturnType<typeof collect<T>>;
  createPortfolio(name: string, spec: PortfolioSpecInput, finalizer?: boolean): Promise<void>;
  portfolio(name: string): Promise<PortfolioResource | undefined>;
  /** Plays the operator: merge-patches status fields. */
  operatorStatus(name: string, status: PortfolioStatus): Promise<void>;
  /** Plays the operator: phase Assigned to `nodeId` (the file's node by default) under `epoch`, with its conditions. */
  assign(name: string, epoch: number, nodeId?: string): Promise<void>;
  /** Waits until the portfolio is Running (with this epoch and on this node when given) and returns it. */
  running(name: string, run?: { epoch?: number; node?: string }): Promise<PortfolioResource>;
  /** A buy-and-hold portfolio on `codes`, assigned to the file's node (epoch 1), once Running. */
  startPortfolio(name: string, codes: string[]): Promise<PortfolioResource>;
  /** A tick on market.data.cn keyed by its code, through one producer kept for the file. */
  sendTick(code: string, eventId: string, price: number, seconds?: number, seq?: number): Promise<void>;
  /** Stops the nodes still running, closes the producer, bus and MySQL, drops the namespace: last in afterAll. */
  tearDown(): Promise<void>;
}

/**
 * One int-test file's share of the test bed (real Kafka, MySQL, Redis, kube-apiserver): a namespace of its
 * own named `<name>-<suffix>`, a node id `<idPrefix>-<suffix>`, `codeCount` codes no other test trades, a
 * Kafka bus and MySQL; the test plays the operator.
 */
export function nodeTestBed(name: string, idPrefix: string, codeCount = 1): NodeTestBed {
  const clients = kube();
  const s = suffix();
  const namespace = `${name}-${s}`;
  const nodeId = `${idPrefix}-${s}`;
  const bus = testBus(`${name}-${s}`);
  let db: MySqlDatabase | undefined;
  let producer: Promise<MessageProducer> | undefined;
  const nodes: TestNode[] = [];
  const bed: NodeTestBed = {
    clients,
    s,
    namespace,
    nodeId,
    codes: uniqueCodes(codeCount),
    bus,
    get db() {
      return (db ??= testDb());
    },
    setUp: () => createNamespace(clients, namespace),
    async startNode(id = nodeId, extra = {}) {
      const started = await startNode(namespace, id, extra);
      let stopping: Promise<void> | undefined;
      const node: TestNode = { ...started, stop: () => (stopping ??= started.stop()) };
      nodes.push(node);
      return node;
    },
    collect: (topic, keep) => collect(bus, topic, keep),
    createPortfolio: (portfolio, spec, finalizer = false) =>
      createPortfolio(clients, namespace, portfolio, spec, finalizer),
    portfolio: (portfolio) => getPortfolio(clients, namespace, portfolio),
    operatorStatus: (portfolio, status) => operatorStatus(clients, namespace, portfolio, status),
    assign: (portfolio, epoch, node = nodeId) =>
      operatorStatus(clients, namespace, portfolio, {
        phase: 'Assigned',
        assignedNode: node,
        epoch,
        conditions: assignedConditions(),
      }),
    running: (portfolio, run = {}) =>
      waitFor(
        `${portfolio} Running${run.epoch !== undefined ? ` epoch ${run.epoch}` : ''}${run.node ? ` on ${run.node}` : ''}`,
        async () => {
          const p = await getPortfolio(clients, namespace, portfolio);
          const st = p?.status;
          const matches =
            st?.phase === 'Running' &&
            (run.epoch === undefined || st.runningEpoch === run.epoch) &&
            (run.node === undefined || st.runningNode === run.node);
          return matches ? p : undefined;
        },
      ),
    async startPortfolio(portfolio, codes) {
      await bed.createPortfolio(portfolio, buyAndHold(codes));
      await bed.assign(portfolio, 1);
      return bed.running(portfolio);
    },
    async sendTick(code, eventId, price, seconds = 0, seq = 1) {
      const p = await (producer ??= bus.producer());
      await p.send(topics.marketData('cn'), [
        { key: code, value: JSON.stringify(tick(eventId, code, price, seconds, seq)) },
      ]);
    },
    async tearDown() {
      for (const node of nodes) await node.stop();
      if (producer) await (await producer).close();
      await bus.close();
      await db?.close();
      await dropNamespace(clients, namespace);
    },
  };
  return bed;
}
