import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { IncomingMessage } from './message-bus.js';
import type { Logger } from './logger.js';
import { LazyAdmin } from './kafka-client.js';

export interface PartitionOffset {
  partition: number;
  offset: string;
}

/**
 * Reads a range of a topic's log outside any long-lived consumer group: what a component uses to resume
 * from positions it persisted itself (exactly-once effects) instead of from a group offset.
 */
export interface LogReader {
  /** Next offset to be written per partition (the high watermark). */
  endOffsets(topic: string): Promise<PartitionOffset[]>;
  /** Messages from `from[p]` (inclusive) up to the current end, optionally only those with `key`. */
  read(topic: string, from: PartitionOffset[], key?: string, timeoutMs?: number): Promise<IncomingMessage[]>;
  close(): Promise<void>;
}

export class KafkaLogReader implements LogReader {
  private readonly kafka: Kafka;
  private readonly admin: LazyAdmin;

  constructor(private readonly opts: { brokers: string[]; clientId: string; logger: Logger }) {
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      connectionTimeout: 3000,
      retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 8 },
      logLevel: logLevel.NOTHING,
    });
    this.admin = new LazyAdmin(this.kafka);
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    const offsets = await (await this.admin.get()).fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, offset: o.high }));
  }

  async read(topic: string, from: PartitionOffset[], key?: string, timeoutMs = 30000): Promise<IncomingMessage[]> {
    const admin = await this.admin.get();
    const bounds = await admin.fetchTopicOffsets(topic);
    const start = new Map(from.map((f) => [f.partition, BigInt(f.offset)]));
    // Only partitions with something after the start position.
    const todo = new Map<number, { start: bigint; end: bigint }>();
    for (const b of bounds) {
      const s0 = start.get(b.partition);
      if (s0 === undefined) continue;
      const s = s0 < BigInt(b.low) ? BigInt(b.low) : s0;
      if (s < BigInt(b.high)) todo.set(b.partition, { start: s, end: BigInt(b.high) });
    }
    if (todo.size === 0) return [];
    const groupId = `ginkgo-log-reader-${randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 200,
    });
    const out: IncomingMessage[] = [];
    const done = new Set<number>([...bounds.map((b) => b.partition).filter((p) => !todo.has(p))]);
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let finish!: () => void;
      const finished = new Promise<void>((r) => (finish = r));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const range = todo.get(batch.partition);
          if (!range || done.has(batch.partition)) return;
          for (const m of batch.messages) {
            const off = BigInt(m.offset);
            if (off >= range.end) break;
            if (off < range.start) continue;
            const k = m.key ? m.key.toString() : null;
            if (key !== undefined && k !== key) continue;
            out.push({
              topic,
              partition: batch.partition,
              offset: m.offset,
              key: k,
              value: m.value ? m.value.toString() : null,
              headers: {},
              timestamp: m.timestamp,
            });
          }
          if (BigInt(batch.lastOffset()) + 1n >= range.end) done.add(batch.partition);
          if (done.size >= bounds.length) finish();
        },
      });
      for (const [partition, r] of todo) consumer.seek({ topic, partition, offset: r.start.toString() });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`reading ${topic} timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return out.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  }

  /** Messages a consumer group has still to read, per partition. */
  async groupLag(groupId: string, topic: string): Promise<{ partition: number; lag: number }[]> {
    const admin = await this.admin.get();
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.map((e) => {
      const c = at.get(e.partition) ?? -1;
      // No commit yet: the group starts at the end, nothing is owed.
      return { partition: e.partition, lag: c < 0 ? 0 : Math.max(0, Number(e.high) - c) };
    });
  }

  async close(): Promise<void> {
    await this.admin.close();
  }
}
