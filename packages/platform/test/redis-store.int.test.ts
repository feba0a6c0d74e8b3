import { RedisHotStateStore } from '../src/index.js';
import { requireEnv, uniqueSuffix } from './testbed-env.js';

test('Redis round trip with TTL (real server)', async () => {
  const store = await RedisHotStateStore.connect(requireEnv('REDIS_URL'), { keyPrefix: `smoke:${uniqueSuffix()}:` });
  try {
    await store.setJson('k', { cash: 100000, codes: ['600000.SH'] }, 60);
    expect(await store.getJson('k')).toEqual({ cash: 100000, codes: ['600000.SH'] });
    const ttl = await store.client.ttl('k');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await store.delete('k');
    expect(await store.getJson('k')).toBeUndefined();
    expect(await store.ping()).toBe(true);
  } finally {
    await store.close();
  }
});
