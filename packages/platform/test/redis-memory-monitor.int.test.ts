import { Registry } from 'prom-client';
import { RedisHotStateStore, RedisMemoryMonitor, createLogger } from '../src/index.js';
import { requireEnv, uniqueSuffix } from './testbed-env.js';

test('S5.07 Redis memory is exported, keys without a TTL are counted, and the alert fires above the threshold (real server)', async () => {
  const prefix = `memtest:${uniqueSuffix()}:`;
  const store = await RedisHotStateStore.connect(requireEnv('REDIS_URL'), { keyPrefix: prefix });
  const registry = new Registry();
  const errors: string[] = [];
  const logger = createLogger('redis-memory-test');
  logger.error = ((obj: unknown, msg?: string) => void errors.push(msg ?? String(obj))) as typeof logger.error;
  try {
    for (let i = 0; i < 20; i++) await store.setJson(`status:${i}`, { equity: 100000 + i }, 60);
    const relaxed = new RedisMemoryMonitor({
      client: store.client,
      registry,
      logger,
      maxBytes: 1e12,
      keyPattern: `${prefix}*`,
    });
    const ok = await relaxed.sample();
    expect(ok.usedBytes).toBeGreaterThan(0);
    expect(ok.keysWithoutTtl).toBe(0); // everything the store writes expires
    expect(await store.client.ttl('status:0')).toBeGreaterThan(0);
    expect(ok.alert).toBe(false);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/ginkgo_redis_used_memory_bytes \d+/);
    expect(metrics).toMatch(/ginkgo_redis_keys_without_ttl 0/);

    await store.client.set('forever', 'x'); // a key written without TTL is caught by the audit
    const strict = new RedisMemoryMonitor({
      client: store.client,
      registry: new Registry(),
      logger,
      maxBytes: 1,
      keyPattern: `${prefix}*`,
    });
    const high = await strict.sample();
    expect(high.keysWithoutTtl).toBe(1);
    expect(high.alert).toBe(true);
    expect(errors).toContain('Redis memory above threshold');
  } finally {
    const keys = await store.client.keys(`${prefix}*`);
    if (keys.length) await store.client.call('DEL', ...keys);
    await store.close();
  }
});
