import { MarketDataMessage, OrderEvent, topics, type PortfolioSpec } from '@ginkgo/contracts';
import type { EngineEvent } from '@ginkgo/core';
import type { IncomingMessage, LogReader } from '@ginkgo/platform';
import { positionKey, type InputPosition } from '../worker/input-position.js';

/** One input read back from the log, in log order. */
export interface MissedInput<E> {
  event: E;
  position: InputPosition;
}

/**
 * Positions for topics this portfolio has never read (first run, or state saved before the topic was
 * tracked): the current end of the log, since nothing published before the portfolio started concerns it.
 */
export async function withStartPositions(
  reader: LogReader,
  positions: Record<string, string>,
  topics: string[],
): Promise<Record<string, string>> {
  const out = { ...positions };
  for (const topic of topics) {
    if (Object.keys(out).some((k) => k.startsWith(`${topic}:`))) continue;
    for (const e of await reader.endOffsets(topic))
      out[positionKey({ topic, partition: e.partition })] = (BigInt(e.offset) - 1n).toString();
  }
  return out;
}

/**
 * The inputs of `topic` after the portfolio's own applied positions up to the current end of the log that
 * `accept` keeps (parsed), in partition/offset order (per-key order is kept: a key lives in one partition);
 * `mergeByEventTime` puts several partitions and topics in the order they happened.
 */
export async function readMissed<E>(
  reader: LogReader,
  topic: string,
  positions: Record<string, string>,
  accept: (m: IncomingMessage) => E | undefined,
  key?: string,
): Promise<MissedInput<E>[]> {
  const from = Object.entries(positions)
    .filter(([k]) => k.startsWith(`${topic}:`))
    .map(([k, v]) => ({ partition: Number(k.slice(topic.length + 1)), offset: (BigInt(v) + 1n).toString() }));
  if (!from.length) return [];
  const messages = await reader.read(topic, from, key);
  const out: MissedInput<E>[] = [];
  for (const m of messages) {
    const event = accept(m);
    if (event !== undefined)
      out.push({ event, position: { topic: m.topic, partition: m.partition, offset: m.offset } });
  }
  return out;
}

/**
 * One sequence of inputs in event-time order, as an uninterrupted run would have applied them: a k-way merge
 * of the per-partition sequences (each kept in offset order, so per-partition "applied up to" positions stay
 * valid) by event time. Ties go to the stream listed first (market data before order events: the fill of an
 * order at T follows the bar at T that placed it), then to the lower topic name and partition, so the order
 * is the same on every replay. An input without an event time keeps its place in its partition.
 */
export function mergeByEventTime<E>(
  streams: MissedInput<E>[][],
  eventTime: (e: E) => number | undefined,
): MissedInput<E>[] {
  const queues: {
    rank: number;
    topic: string;
    partition: number;
    items: MissedInput<E>[];
    at: number;
    lastTs: number;
  }[] = [];
  streams.forEach((stream, rank) => {
    const byPartition = new Map<string, MissedInput<E>[]>();
    for (const m of stream) {
      const key = positionKey(m.position);
      const q = byPartition.get(key);
      if (q) q.push(m);
      else byPartition.set(key, [m]);
    }
    for (const items of byPartition.values()) {
      const p = items[0]!.position;
      queues.push({ rank, topic: p.topic, partition: p.partition, items, at: 0, lastTs: Number.NEGATIVE_INFINITY });
    }
  });
  const headTs = (q: (typeof queues)[number]) => eventTime(q.items[q.at]!.event) ?? q.lastTs;
  const out: MissedInput<E>[] = [];
  for (;;) {
    let best: (typeof queues)[number] | undefined;
    let bestTs = 0;
    for (const q of queues) {
      if (q.at >= q.items.length) continue;
      const ts = headTs(q);
      const better =
        !best ||
        ts < bestTs ||
        (ts === bestTs &&
          (q.rank < best.rank ||
            (q.rank === best.rank &&
              (q.topic < best.topic || (q.topic === best.topic && q.partition < best.partition)))));
      if (better) {
        best = q;
        bestTs = ts;
      }
    }
    if (!best) return out;
    best.lastTs = bestTs;
    out.push(best.items[best.at++]!);
  }
}

/** JSON of a message value, or undefined when it is not JSON (the live consumer dead-letters those). */
export function jsonOf(m: IncomingMessage): unknown {
  try {
    return JSON.parse(m.value ?? 'null');
  } catch {
    return undefined;
  }
}

/** The portfolio a catch-up is for. */
export interface CatchUpTarget {
  portfolioId: string;
  spec: PortfolioSpec;
}

/** Whether an input concerns this portfolio: its order events, its market's sessions, its codes. */
export function inputFilter(a: CatchUpTarget): (e: EngineEvent) => boolean {
  const codes = new Set(a.spec.interestedCodes);
  return (e) => {
    if (e.type === 'order') return e.portfolioId === a.portfolioId;
    if (e.type === 'session') return e.market === a.spec.market;
    return 'code' in e && codes.has(e.code);
  };
}

/**
 * What was published since the portfolio's persisted positions (exactly-once resume): its order events and
 * the market data it wants, in the order to apply them, with how many of each kind.
 */
export async function missedInputs(
  reader: LogReader,
  a: CatchUpTarget,
  positions: Record<string, string>,
): Promise<{ inputs: MissedInput<EngineEvent>[]; orderEvents: number; marketData: number }> {
  const concerns = inputFilter(a);
  const codes = a.spec.interestedCodes;
  const keep = (parsed: { success: true; data: EngineEvent } | { success: false }) =>
    parsed.success && concerns(parsed.data) ? parsed.data : undefined;
  const [oe, md] = await Promise.all([
    readMissed(
      reader,
      topics.orderEvents(a.spec.market),
      positions,
      (m) => keep(OrderEvent.safeParse(jsonOf(m))),
      a.portfolioId,
    ),
    // Ticks are keyed by code: one code can be read by key, several are filtered here.
    readMissed(
      reader,
      topics.marketData(a.spec.market),
      positions,
      (m) => keep(MarketDataMessage.safeParse(jsonOf(m))),
      codes.length === 1 ? codes[0] : undefined,
    ),
  ]);
  // Event-time order across partitions and topics: a portfolio whose codes sit on several partitions must
  // see 10:20 before 10:25, or the engine takes the older bars for a clock going backwards and drops them.
  const inputs = mergeByEventTime<EngineEvent>([md, oe], (e) => e.ts);
  return { inputs, orderEvents: oe.length, marketData: md.length };
}
