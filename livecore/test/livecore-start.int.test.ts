import net from 'node:net';
import { LivecoreConfig, LinkError, startLivecore } from '../src/index.js';
import { requireEnv } from './support.js';

test('S4.06 a link that cannot be reached at start gives an error naming it, and nothing is left half-started', async () => {
  const config = LivecoreConfig.parse({ KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'), MYSQL_URL: 'mysql://ginkgo:ginkgo@127.0.0.1:1/ginkgo', HEALTH_PORT: '0', MARKET: 'linkfail' });
  const err = await startLivecore(config).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LinkError);
  expect(String(err)).toMatch(/livecore cannot reach MySQL at 127\.0\.0\.1:1 \(MYSQL_URL\)/);
  // The health port was released: a fresh server can bind any port and nothing keeps the process alive.
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, () => r()));
  await new Promise<void>((r) => s.close(() => r()));
});
