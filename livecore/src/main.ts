import { MarketDataMessage, topics } from '@ginkgo/contracts';
import {
  ConfigError,
  KafkaMessageBus,
  MySqlDatabase,
  createLogger,
  createMetricsRegistry,
  onShutdown,
  startHealthServer,
  validatedHandler,
} from '@ginkgo/platform';
import { loadLivecoreConfig, type LivecoreConfig } from './config.js';
import { PaperExchange } from './paper-exchange.js';
import { MySqlOrderLedger } from './order-ledger.js';
import { TradeGateway } from './trade-gateway.js';
import { DataFeeder } from './data-feeder.js';
import { TapeSource } from './market-data-source.js';

/** The live engine: trade gateway over the paper exchange, plus an optional tape feeder. */
export async function startLivecore(config: LivecoreConfig) {
  const logger = createLogger('livecore', { market: config.MARKET });
  const registry = createMetricsRegistry('livecore');
  const bus = new KafkaMessageBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: `livecore-${config.MARKET}`, logger });
  const db = new MySqlDatabase(config.MYSQL_URL);
  let gateway: TradeGateway | undefined;
  const health = await startHealthServer({
    port: config.HEALTH_PORT,
    what: 'livecore health endpoint (HEALTH_PORT)',
    registry,
    checks: { live: () => true, ready: () => Boolean(gateway?.ready) },
  });
  const ledger = new MySqlOrderLedger(db);
  await ledger.init();
  const exchange = new PaperExchange(
    config.PAPER_MAX_FILL_VOLUME !== undefined ? { maxFillVolume: config.PAPER_MAX_FILL_VOLUME } : {},
  );
  gateway = new TradeGateway({ market: config.MARKET, bus, broker: exchange, ledger, logger });
  await gateway.start();
  // The paper exchange matches resting orders against the same market data the nodes see.
  const producer = await bus.producer();
  const quotes = await bus.consumer({ groupId: `livecore-paper-${config.MARKET}`, topics: [topics.marketData(config.MARKET)] });
  await quotes.run(
    validatedHandler({
      schema: MarketDataMessage,
      producer,
      logger,
      handle: async (m) => {
        if (m.type === 'price') exchange.onPrice(m.code, m.price, m.ts);
      },
    }),
  );
  let feeder: DataFeeder | undefined;
  if (config.FEEDER_TAPE) {
    feeder = new DataFeeder({ market: config.MARKET, bus, logger });
    await feeder.start();
    const n = await feeder.run(await TapeSource.fromFile(config.FEEDER_TAPE));
    logger.info({ published: n }, 'tape published');
  }
  logger.info({ healthPort: health.port }, 'livecore ready');
  const running = gateway;
  return {
    gateway: running,
    healthPort: health.port,
    stop: async () => {
      await quotes.close();
      await running.stop();
      await feeder?.stop();
      await producer.close();
      await bus.close();
      await db.close();
      await health.close();
    },
  };
}

async function main(): Promise<void> {
  let config: LivecoreConfig;
  try {
    config = loadLivecoreConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`livecore: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger('livecore');
  try {
    const handle = await startLivecore(config);
    onShutdown(logger, () => handle.stop());
  } catch (err) {
    logger.fatal({ err: String(err) }, 'livecore failed to start');
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
