import { positionKey, type InputPosition } from '../worker/input-position.js';

/**
 * How far the node's market-data consumer has routed, per `<topic>:<partition>`: every message at or below
 * the offset has been handed to (and handled by) every portfolio that wanted it. A running portfolio may
 * therefore save these offsets as applied even for ticks that were not for it, so that its next start
 * (restart, failover, migration) reads only what it may have missed, not every tick since its last trade.
 */
export class RoutedPositions {
  private readonly at = new Map<string, string>();

  /** A message and every message before it (same partition) are durable at every target (called in order). */
  record(p: InputPosition): void {
    const key = positionKey(p);
    const before = this.at.get(key);
    if (before === undefined || BigInt(p.offset) > BigInt(before)) this.at.set(key, p.offset);
  }

  /** Offsets routed on one topic, as `<topic>:<partition>` -> offset. */
  of(topic: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.at) if (k.startsWith(`${topic}:`)) out[k] = v;
    return out;
  }
}
