import { marketRulesFor } from './market-rules-for.js';
import { MarketDataMessage, SettlementMessage, decimalToMinor, settlementsTopic, topics } from '@ginkgo/contracts';
import {
  loadConfigOrExit,
  KafkaMessageBus,
  MySqlDatabase,
  createLogger,
  createMetricsRegistry,
  loadMarketRules,
  onShutdown,
  referenceDataPaths,
  startHealthServer,
  validatedHandler,
  watchRuntimeSettingsFromEnv,
  type MessageConsumer,
  type MessageProducer,
} from '@ginkgo/platform';
import { loadLivecoreConfig, type LivecoreConfig } from './config.js';
import { PaperExchange } from './paper-exchange.js';
import { MySqlOrderLedger } from './order-ledger.js';
import { MySqlSettlementStore } from './settlement-store.js';
import { TradeGateway } from './trade-gateway.js';
import { DataFeeder } from './data-feeder.js';
import { TapeSource } from './market-data-source.js';
import { FeederSupervisor } from './feeder-supervisor.js';
import { createGatewayMetrics } from './gateway-metrics.js';

/** A dependency that could not be reached at start: names the link and what was tried. */
export class LinkError extends Error {
  constructor(
    readonly link: string,
    cause: unknown,
  ) {
    super(`livecore cannot reach ${link}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'LinkError';
  }
}

const hostOf = (url: string) => url.replace(/^[a-z]+:\/\/([^@]*@)?/, '').split('/')[0] ?? url;

/** The live engine: trade gateway over the paper exchange, an optional tape replay and an optional hot-reloaded feeder. */
export async function startLivecore(config: LivecoreConfig) {
  const logger = createLogger('livecore', { market: config.MARKET });
  // The venue judges orders by the same market data as the nodes (same reference-data files).
  const marketRules = await loadMarketRules(referenceDataPaths(config.REFERENCE_DATA_FILES));
  const { rules, known } = marketRulesFor(config.MARKET, marketRules);
  if (!known)
    logger.warn(
      { market: config.MARKET },
      'no market rules for this market id: the paper venue and the feed guard use the A-share rules',
    );
  const registry = createMetricsRegistry('livecore');
  const bus = new KafkaMessageBus({
    brokers: config.KAFKA_BROKERS.split(','),
    clientId: `livecore-${config.MARKET}`,
    logger,
    topicWaitMs: config.KAFKA_TOPIC_WAIT_MS,
  });
  const db = new MySqlDatabase(config.MYSQL_URL);
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  cleanups.push(
    () => db.close(),
    () => bus.close(),
  );
  let gateway: TradeGateway | undefined;
  try {
    const health = await startHealthServer({
      port: config.HEALTH_PORT,
      what: 'livecore health endpoint (HEALTH_PORT)',
      registry,
      checks: { live: () => true, ready: () => Boolean(gateway?.ready) },
    });
    cleanups.push(() => health.close());
    const ledger = new MySqlOrderLedger(db);
    await ledger.init().catch((err: unknown) => {
      throw new LinkError(`MySQL at ${hostOf(config.MYSQL_URL)} (MYSQL_URL)`, err);
    });
    const exchange = new PaperExchange({
      rules,
      latencyMs: config.PAPER_LATENCY_MS,
      matchAt: config.PAPER_MATCH,
      ...(config.PAPER_MAX_FILL_VOLUME !== undefined ? { maxFillVolume: config.PAPER_MAX_FILL_VOLUME } : {}),
      ...(config.PAPER_VOLUME_PARTICIPATION !== undefined
        ? { volumeParticipation: config.PAPER_VOLUME_PARTICIPATION }
        : {}),
      ...(config.PAPER_DEFAULT_CASH !== undefined
        ? { defaultCashMinor: decimalToMinor(config.PAPER_DEFAULT_CASH) }
        : {}),
    });
    const kafkaLink = (err: unknown) => {
      throw new LinkError(`Kafka at ${config.KAFKA_BROKERS} (KAFKA_BROKERS)`, err);
    };
    // The paper exchange matches resting orders against the same market data the nodes see.
    const producer: MessageProducer = await bus.producer().catch(kafkaLink);
    cleanups.push(() => producer.close());
    // The topic first: subscribing to a topic that does not exist yet fails (a fresh market).
    await bus.ensureTopics([{ topic: topics.marketData(config.MARKET) }]).catch(kafkaLink);
    const quotes: MessageConsumer = await bus
      .consumer({ groupId: `livecore-paper-${config.MARKET}`, topics: [topics.marketData(config.MARKET)] })
      .catch(kafkaLink);
    cleanups.push(() => quotes.close());
    await quotes.run(
      validatedHandler({ schema: MarketDataMessage, producer, logger, handle: async (m) => exchange.onMarketData(m) }),
    );
    const gw = new TradeGateway({
      market: config.MARKET,
      bus,
      broker: exchange,
      ledger,
      logger,
      submitRetry: { attempts: config.SUBMIT_RETRY_ATTEMPTS, backoffMs: config.SUBMIT_RETRY_BACKOFF_MS },
      ...(config.ORDER_TIMEOUT_MS !== undefined ? { orderTimeoutMs: config.ORDER_TIMEOUT_MS } : {}),
      metrics: createGatewayMetrics(registry),
    });
    await gw.start().catch(kafkaLink);
    cleanups.push(() => gw.stop());
    // End-of-day records the nodes publish become stored reports (JSON + HTML), idempotent per day.
    const settlements = new MySqlSettlementStore(db);
    await settlements.init();
    const settlementTopic = settlementsTopic(config.MARKET);
    await bus.ensureTopics([{ topic: settlementTopic }]).catch(kafkaLink);
    const settlementConsumer = await bus
      .consumer({ groupId: `livecore-settlements-${config.MARKET}`, topics: [settlementTopic], fromBeginning: true })
      .catch(kafkaLink);
    cleanups.push(() => settlementConsumer.close());
    await settlementConsumer.run(
      validatedHandler({
        schema: SettlementMessage,
        producer,
        logger,
        handle: async (record) => {
          await settlements.save(record);
          logger.info({ portfolioId: record.portfolioId, tradingDay: record.tradingDay }, 'settlement report stored');
        },
      }),
    );
    let feeder: DataFeeder | undefined;
    let supervisor: FeederSupervisor | undefined;
    if (config.FEEDER_TAPE || config.FEEDER_SOURCES_FILE) {
      feeder = new DataFeeder({
        market: config.MARKET,
        marketRules,
        bus,
        logger,
        filterByInterest: Boolean(config.FEEDER_SOURCES_FILE) && config.FEEDER_FILTER_BY_INTEREST,
      });
      await feeder.start().catch(kafkaLink);
      const f = feeder;
      cleanups.push(() => f.stop());
    }
    if (feeder && config.FEEDER_TAPE) {
      const tape = await TapeSource.fromFile(config.FEEDER_TAPE, {}, config.MARKET, (problem) =>
        logger.warn({ tape: config.FEEDER_TAPE, problem }, 'malformed tape row skipped'),
      );
      const n = await feeder.run(tape);
      logger.info({ published: n }, 'tape published');
    }
    if (feeder && config.FEEDER_SOURCES_FILE) {
      const s = new FeederSupervisor({ feeder, path: config.FEEDER_SOURCES_FILE, market: config.MARKET, logger });
      await s.start();
      supervisor = s;
      cleanups.push(() => s.stop());
    }
    gateway = gw;
    logger.info({ healthPort: health.port, status: gw.status() }, 'livecore ready');
    return { gateway: gw, exchange, feeder, supervisor, healthPort: health.port, stop: cleanup };
  } catch (err) {
    // Nothing half-done: whatever was opened is closed again before the error is reported.
    await cleanup();
    throw err;
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('livecore', () => loadLivecoreConfig());
  const logger = createLogger('livecore');
  try {
    const handle = await startLivecore(config);
    onShutdown(logger, () => handle.stop());
    await watchRuntimeSettingsFromEnv(logger); // log level + thresholds from the chart's ConfigMap, no restart
  } catch (err) {
    logger.fatal({ err }, 'livecore failed to start');
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
