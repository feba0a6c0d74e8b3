import { MarketDataMessage, OrderEvent, topics } from '@ginkgo/contracts';
import type { EngineEvent } from '@ginkgo/core';
import {
  MessageChecker,
  validatedHandler,
  type Accepted,
  type IncomingMessage,
  type Logger,
  type MessageBus,
  type MessageConsumer,
  type MessageProducer,
} from '@ginkgo/platform';
import { crashPoint } from '../fault-injection.js';
import type { NodeMetrics } from '../health/node-metrics.js';
import { positionKey, type InputPosition } from '../worker/input-position.js';
import type { WorkerHandle } from '../worker/worker-handle.js';
import type { InterestMap } from './interest-map.js';
import type { RoutedPositions } from './routed-positions.js';
import type { StartingPortfolios } from './starting-portfolios.js';

/** The running workers the router hands inputs to. */
export interface RunningWorkers {
  /** The worker running a portfolio, if any. */
  worker(portfolioId: string): WorkerHandle | undefined;
  /** Portfolios running on a market: a session event concerns each of them. */
  runningOn(market: string): string[];
}

export interface InputRouterOptions {
  nodeId: string;
  markets: string[];
  bus: MessageBus;
  logger: Logger;
  metrics?: NodeMetrics | undefined;
  workers: RunningWorkers;
  interest: InterestMap;
  starting: StartingPortfolios;
  routed: RoutedPositions;
}

/**
 * The node's inputs: market data (a consumer group of the node's own, so it sees every tick) routed by
 * interest to the portfolios that want it, order events by portfolio id. A portfolio still starting gets its
 * inputs in its buffer. A message settles (its offset may be committed) once it is durable at every target.
 */
export class InputRouter {
  private readonly consumers: MessageConsumer[] = [];
  /** Per market-data partition: the settle of the newest routed message (see routeMarketData). */
  private readonly routedChain = new Map<string, Promise<void>>();

  constructor(private readonly opts: InputRouterOptions) {}

  /** Starts consuming market data and order events of every market; resolves once each consumer joined. */
  async start(producer: MessageProducer): Promise<void> {
    const { bus, markets, nodeId, logger } = this.opts;
    for (const market of markets) {
      // Handed on in event-time order across partitions, also when a backlog is read after a rebuild.
      // Only a valid message has an event time: a malformed one's would reorder the good ones behind it.
      const checker = new MessageChecker(MarketDataMessage);
      const md = await bus.consumer({
        groupId: `ginkgo-node-${nodeId}-md`,
        topics: [topics.marketData(market)],
        eventTime: checker.eventTime((e) => e.ts),
      });
      await md.run(
        validatedHandler({
          schema: MarketDataMessage,
          checker,
          producer,
          logger,
          handle: (event, m) => this.routeMarketData(event, m),
        }),
      );
      const oe = await bus.consumer({ groupId: `ginkgo-node-${nodeId}-oe`, topics: [topics.orderEvents(market)] });
      await oe.run(
        validatedHandler({
          schema: OrderEvent,
          producer,
          logger,
          handle: (event, m) => this.routeOrderEvent(event, m),
        }),
      );
      this.consumers.push(md, oe);
    }
    await Promise.all(this.consumers.map((c) => c.joined()));
  }

  /** Closes the consumers: no new inputs. */
  async stop(): Promise<void> {
    for (const c of this.consumers.splice(0)) await c.close();
  }

  private async routeMarketData(event: MarketDataMessage, m: IncomingMessage): Promise<Accepted> {
    crashPoint('after-consume');
    const { workers, starting, interest, routed } = this.opts;
    this.opts.metrics?.eventsIn.inc({ kind: 'market' });
    // Session events concern every portfolio of the market; the rest go by code.
    const position = { topic: m.topic, partition: m.partition, offset: m.offset };
    const ids =
      event.type === 'session'
        ? [...workers.runningOn(event.market), ...starting.ofMarket(event.market).map((s) => s.portfolioId)]
        : [...interest.portfoliosFor(event.code)];
    // A portfolio starting or restarting gets it in its buffer (applied once it has caught up).
    const targets = ids.flatMap((id) => (this.buffer(id, event, position) ? [] : (workers.worker(id) ?? [])));
    this.opts.logger.debug(
      { eventId: event.eventId, targets: targets.map((t) => t.portfolioId) },
      'market data routed',
    );
    const queued = targets.map((w) => w.enqueue(event, position));
    await Promise.all(queued.map((q) => q.admitted));
    // The watermark moves past this message only once it and every message before it (same partition) is
    // durable at every target: a chain per partition, broken (and restarted) when one fails.
    const key = positionKey(position);
    const before = this.routedChain.get(key);
    const settled = Promise.all([before, ...queued.map((q) => q.settled)]).then(() => routed.record(position));
    this.routedChain.set(key, settled);
    settled.then(
      () => this.routedChain.get(key) === settled && this.routedChain.delete(key),
      () => this.routedChain.get(key) === settled && this.routedChain.delete(key),
    );
    return { settled };
  }

  private buffer(portfolioId: string, event: EngineEvent, position: InputPosition): boolean {
    const s = this.opts.starting.get(portfolioId);
    if (!s) return false;
    s.inputs.push({ event, position });
    return true;
  }

  private async routeOrderEvent(event: OrderEvent, m: IncomingMessage): Promise<Accepted | void> {
    crashPoint('after-consume');
    this.opts.metrics?.eventsIn.inc({ kind: 'order' });
    const position = { topic: m.topic, partition: m.partition, offset: m.offset };
    if (this.buffer(event.portfolioId, event, position)) return;
    const worker = this.opts.workers.worker(event.portfolioId);
    if (!worker) return;
    const queued = worker.enqueue(event, position);
    await queued.admitted;
    return { settled: queued.settled };
  }
}
