import {
  MarketDataMessage,
  OrderEvent,
  topics,
  type CancelOrder,
  type InterestUpdate,
  type PortfolioSpec,
  type SubmitOrder,
} from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry, type ComponentRegistry, type PortfolioView, type HandleResult } from '@ginkgo/core';
import { validatedHandler, type Logger, type MessageBus, type MessageConsumer, type MessageProducer } from '@ginkgo/platform';
import { InterestMap } from './interest-map.js';
import { PortfolioWorker, totalsOf } from './portfolio-worker.js';
import type { PortfolioStateStore } from './portfolio-state-store.js';

export interface StatusSink {
  report(portfolioId: string, view: PortfolioView, result: HandleResult | undefined): void;
}

export interface ExecutionNodeOptions {
  nodeId: string;
  markets: string[];
  bus: MessageBus;
  stateStore: PortfolioStateStore;
  status: StatusSink;
  logger: Logger;
  registry?: ComponentRegistry;
  queueCapacity?: number;
  now?: () => number;
}

export interface Assignment {
  portfolioId: string;
  spec: PortfolioSpec;
  epoch: number;
  generation: number;
}

/**
 * The ExecutionNode: market data in (broadcast: a consumer group of its own), routed by
 * interest to per-portfolio workers; orders out; order events in. Transport-agnostic: the
 * real process gives it Kafka, the demo an in-memory bus.
 */
export class ExecutionNode {
  private readonly workers = new Map<string, { worker: PortfolioWorker; assignment: Assignment }>();
  private readonly interest = new InterestMap();
  private readonly consumers: MessageConsumer[] = [];
  private producer?: MessageProducer;
  private readonly registry: ComponentRegistry;
  private started = false;

  constructor(private readonly opts: ExecutionNodeOptions) {
    this.registry = opts.registry ?? createDefaultRegistry();
  }

  get ready(): boolean {
    return this.started;
  }

  portfolioIds(): string[] {
    return [...this.workers.keys()];
  }

  worker(portfolioId: string): PortfolioWorker | undefined {
    return this.workers.get(portfolioId)?.worker;
  }

  interestedCodes(): string[] {
    return this.interest.codes();
  }

  async start(): Promise<void> {
    const { bus, markets, nodeId, logger } = this.opts;
    await bus.ensureTopics([
      ...markets.flatMap((m) => [
        { topic: topics.marketData(m) },
        { topic: topics.orders(m) },
        { topic: topics.orderEvents(m) },
        { topic: topics.deadLetter(topics.marketData(m)), partitions: 1 },
        { topic: topics.deadLetter(topics.orderEvents(m)), partitions: 1 },
      ]),
      { topic: topics.interestUpdates, partitions: 1, compacted: true },
    ]);
    const producer = await bus.producer();
    this.producer = producer;
    for (const market of markets) {
      const md = await bus.consumer({ groupId: `ginkgo-node-${nodeId}-md`, topics: [topics.marketData(market)] });
      await md.run(
        validatedHandler({ schema: MarketDataMessage, producer, logger, handle: (event) => this.routeMarketData(event) }),
      );
      const oe = await bus.consumer({ groupId: `ginkgo-node-${nodeId}-oe`, topics: [topics.orderEvents(market)] });
      await oe.run(validatedHandler({ schema: OrderEvent, producer, logger, handle: (event) => this.routeOrderEvent(event) }));
      this.consumers.push(md, oe);
    }
    await Promise.all(this.consumers.map((c) => c.joined()));
    this.started = true;
    logger.info({ nodeId, markets }, 'execution node consuming');
  }

  private async routeMarketData(event: MarketDataMessage): Promise<void> {
    // Session events concern every portfolio of the market; the rest go by code.
    const targets =
      event.type === 'session'
        ? [...this.workers.values()].filter((w) => w.assignment.spec.market === event.market).map((w) => w.worker)
        : [...this.interest.portfoliosFor(event.code)].flatMap((id) => this.workers.get(id)?.worker ?? []);
    this.opts.logger.debug({ eventId: event.eventId, targets: targets.map((t) => t.portfolioId) }, 'market data routed');
    await Promise.all(targets.map((w) => w.submit(event)));
  }

  private async routeOrderEvent(event: OrderEvent): Promise<void> {
    const entry = this.workers.get(event.portfolioId);
    if (entry) await entry.worker.submit(event);
  }

  /** Starts (or restarts, on a new epoch or generation) a portfolio from its stored state. */
  async assign(a: Assignment): Promise<void> {
    const existing = this.workers.get(a.portfolioId);
    if (existing && existing.assignment.epoch === a.epoch && existing.assignment.generation === a.generation) return;
    if (existing) await this.unassign(a.portfolioId, 'reassigned');
    const { stateStore, nodeId, logger } = this.opts;
    const stored = await stateStore.load(a.portfolioId);
    const engine = stored
      ? PortfolioEngine.restore({ snapshot: stored.snapshot, spec: a.spec, registry: this.registry })
      : PortfolioEngine.create({ portfolioId: a.portfolioId, spec: a.spec, registry: this.registry });
    const worker = new PortfolioWorker({
      portfolioId: a.portfolioId,
      nodeId,
      epoch: a.epoch,
      engine,
      logger,
      queueCapacity: this.opts.queueCapacity ?? 1000,
      ...(this.opts.now ? { now: this.opts.now } : {}),
      effects: {
        publish: (orders, cancels) => this.publish(orders, cancels),
        save: (state, totals) => stateStore.save(state, totals),
        report: (id, view, result) => this.opts.status.report(id, view, result),
      },
      onFenced: (id) => void this.unassign(id, 'fenced'),
    });
    this.workers.set(a.portfolioId, { worker, assignment: a });
    this.interest.set(a.portfolioId, engine.interestedCodes());
    await this.announceInterest();
    // Persist the starting state at once so a takeover never starts from nothing.
    await stateStore.save({ portfolioId: a.portfolioId, epoch: a.epoch, nodeId, snapshot: engine.snapshot() }, totalsOf(engine.view()));
    this.opts.status.report(a.portfolioId, engine.view(), undefined);
    logger.info({ portfolioId: a.portfolioId, epoch: a.epoch, restored: Boolean(stored) }, 'portfolio started');
  }

  /** Drains and stops a portfolio's worker; its state is already saved event by event. */
  async unassign(portfolioId: string, reason: string): Promise<void> {
    const entry = this.workers.get(portfolioId);
    if (!entry) return;
    this.workers.delete(portfolioId);
    this.interest.remove(portfolioId);
    await entry.worker.stop();
    await this.announceInterest();
    this.opts.logger.info({ portfolioId, reason }, 'portfolio stopped');
  }

  private async publish(orders: SubmitOrder[], cancels: CancelOrder[]): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new Error('execution node not started');
    const byMarket = new Map<string, (SubmitOrder | CancelOrder)[]>();
    for (const m of [...orders, ...cancels]) byMarket.set(m.market, [...(byMarket.get(m.market) ?? []), m]);
    for (const [market, msgs] of byMarket) {
      await producer.send(
        topics.orders(market),
        msgs.map((m) => ({ key: m.portfolioId, value: JSON.stringify(m) })),
      );
    }
  }

  private async announceInterest(): Promise<void> {
    if (!this.producer) return;
    for (const market of this.opts.markets) {
      const update: InterestUpdate = { nodeId: this.opts.nodeId, market, codes: this.interest.codes(), ts: Date.now() };
      await this.producer.send(topics.interestUpdates, [{ key: `${this.opts.nodeId}/${market}`, value: JSON.stringify(update) }]);
    }
  }

  /** Graceful stop: consumers first (no new events), then every worker drains. */
  async stop(): Promise<void> {
    this.started = false;
    for (const c of this.consumers.splice(0)) await c.close();
    for (const id of [...this.workers.keys()]) await this.unassign(id, 'node stopping');
    await this.producer?.close();
  }
}
