import { ConfigError, createLogger, onShutdown, watchRuntimeSettingsFromEnv } from '@ginkgo/platform';
import { loadOperatorConfig } from './config.js';
import { startOperator } from './operator.js';

// `node operator/dist/main.js`: settings from the environment (see config.ts), JSON logs on stdout.
const logger = createLogger('operator');
try {
  const config = loadOperatorConfig();
  const op = await startOperator(config, { logger: logger.child({ operatorId: config.operatorId }) });
  onShutdown(logger, () => op.stop());
  await watchRuntimeSettingsFromEnv(logger); // log level and thresholds from the chart's ConfigMap, no restart
} catch (err) {
  if (err instanceof ConfigError) {
    logger.fatal({ problems: err.problems }, err.message);
    process.exit(2);
  }
  logger.fatal({ err }, 'operator failed to start');
  process.exit(1);
}
