import type { IncomingMessage, LogReader } from '@ginkgo/platform';
import { positionKey, type InputPosition } from './portfolio-worker.js';

/** One input read back from the log, in log order. */
export interface MissedInput<E> {
  event: E;
  position: InputPosition;
}

/**
 * Positions for topics this portfolio has never read (first run, or state saved before the topic was
 * tracked): the current end of the log, since nothing published before the portfolio started concerns it.
 */
export async function withStartPositions(reader: LogReader, positions: Record<string, string>, topics: string[]): Promise<Record<string, string>> {
  const out = { ...positions };
  for (const topic of topics) {
    if (Object.keys(out).some((k) => k.startsWith(`${topic}:`))) continue;
    for (const e of await reader.endOffsets(topic)) out[positionKey({ topic, partition: e.partition })] = (BigInt(e.offset) - 1n).toString();
  }
  return out;
}

/**
 * The inputs of `topic` after the portfolio's own applied positions up to the current end of the log that
 * `accept` keeps (parsed), in partition/offset order (per-key order is kept: a key lives in one partition).
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
    if (event !== undefined) out.push({ event, position: { topic: m.topic, partition: m.partition, offset: m.offset } });
  }
  return out;
}

/** JSON of a message value, or undefined when it is not JSON (the live consumer dead-letters those). */
export function jsonOf(m: IncomingMessage): unknown {
  try {
    return JSON.parse(m.value ?? 'null');
  } catch {
    return undefined;
  }
}
