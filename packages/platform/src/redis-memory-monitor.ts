import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { PeriodicMonitor } from './periodic-monitor.js';

export interface RedisMemorySample {
  usedBytes: number;
  /** 0 when the server has no maxmemory limit. */
  maxBytes: number;
  /** used / max, or undefined without a limit. */
  ratio: number | undefined;
  keysWithoutTtl: number;
  alert: boolean;
}

/** Parses the `INFO memory` text into numbers by field name. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * Redis memory watch: exports used/max memory and the number of our keys that carry no
 * TTL (hot state must always expire), and raises an alert above the threshold.
 */
export class RedisMemoryMonitor extends PeriodicMonitor<RedisMemorySample> {
  private readonly used: Gauge;
  private readonly max: Gauge;
  private readonly noTtl: Gauge;
  private readonly alerting: Gauge;
  private alerted = false;

  constructor(
    private readonly opts: {
      client: Redis;
      registry: Registry;
      logger: Logger;
      /** Alert when used/max exceeds this (with a maxmemory limit). */
      maxRatio?: number;
      /** Alert when used memory exceeds this many bytes (also without a limit). */
      maxBytes?: number;
      /** Key pattern audited for TTLs (e.g. "ginkgo:*"); the client's keyPrefix is not applied to SCAN. */
      keyPattern?: string;
    },
  ) {
    super({ logger: opts.logger, defaultIntervalMs: 15000, failure: 'Redis memory sample failed' });
    const registers = [opts.registry];
    this.used = new Gauge({ name: 'ginkgo_redis_used_memory_bytes', help: 'Redis used_memory', registers });
    this.max = new Gauge({ name: 'ginkgo_redis_maxmemory_bytes', help: 'Redis maxmemory (0 = no limit)', registers });
    this.noTtl = new Gauge({
      name: 'ginkgo_redis_keys_without_ttl',
      help: 'Our Redis keys that would never expire',
      registers,
    });
    this.alerting = new Gauge({
      name: 'ginkgo_redis_memory_alert',
      help: '1 while Redis memory is above the threshold',
      registers,
    });
  }

  async sample(): Promise<RedisMemorySample> {
    const info = parseInfo(await this.opts.client.info('memory'));
    const usedBytes = Number(info.used_memory ?? 0);
    const maxBytes = Number(info.maxmemory ?? 0);
    const ratio = maxBytes > 0 ? usedBytes / maxBytes : undefined;
    const keysWithoutTtl = await this.countKeysWithoutTtl();
    const alert =
      (ratio !== undefined && ratio > (this.opts.maxRatio ?? 0.8)) ||
      (this.opts.maxBytes !== undefined && usedBytes > this.opts.maxBytes);
    this.used.set(usedBytes);
    this.max.set(maxBytes);
    this.noTtl.set(keysWithoutTtl);
    this.alerting.set(alert ? 1 : 0);
    if (alert && !this.alerted)
      this.opts.logger.error({ usedBytes, maxBytes, ratio, alert: 'RedisMemoryHigh' }, 'Redis memory above threshold');
    if (!alert && this.alerted)
      this.opts.logger.info({ usedBytes, maxBytes, ratio }, 'Redis memory back below threshold');
    this.alerted = alert;
    return { usedBytes, maxBytes, ratio, keysWithoutTtl, alert };
  }

  private async countKeysWithoutTtl(): Promise<number> {
    const pattern = this.opts.keyPattern ?? 'ginkgo:*';
    // SCAN with the raw pattern: ioredis adds keyPrefix to key arguments, not to MATCH patterns.
    const prefix = this.opts.client.options.keyPrefix ?? '';
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await this.opts.client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        // Typed commands add keyPrefix again: hand them the key without it.
        const ttl = await this.opts.client.ttl(key.startsWith(prefix) ? key.slice(prefix.length) : key);
        if (ttl === -1) count++;
      }
    } while (cursor !== '0');
    return count;
  }
}
