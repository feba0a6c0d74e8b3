import { Redis } from 'ioredis';

/** Hot state (Redis): small JSON documents with TTLs so nothing lingers. */
export interface HotStateStore {
  setJson(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  getJson<T>(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export class RedisHotStateStore implements HotStateStore {
  readonly client: Redis;

  constructor(url: string, opts: { keyPrefix?: string } = {}) {
    this.client = new Redis(url, {
      keyPrefix: opts.keyPrefix ?? 'ginkgo:',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 3000,
      // Reconnect with capped exponential backoff; callers degrade to memory meanwhile.
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 7), 10000),
    });
    // Errors surface through commands; an unhandled 'error' event must not crash the process.
    this.client.on('error', () => undefined);
  }

  /** Connects and waits until the server answers (bounded by connectTimeout). */
  static async connect(url: string, opts: { keyPrefix?: string } = {}): Promise<RedisHotStateStore> {
    const store = new RedisHotStateStore(url, opts);
    await store.client.connect();
    return store;
  }

  async setJson(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.client.set(key, JSON.stringify(value), 'EX', ttlSeconds);
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const raw = await this.client.get(key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async delete(key: string): Promise<void> {
    await this.client.del(key);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
