import { positionKey, type InputPosition } from './input-position.js';

/**
 * After a failed effect, per input partition: the first offset refused. Later inputs of that partition are
 * refused too until the consumer's replay brings that offset (or an earlier one) again, so nothing is
 * applied across the gap.
 */
export class ReplayBarrier {
  private readonly firstRefused = new Map<string, bigint>();

  /** The input at this position was refused: its partition waits for the replay from there. */
  refused(position: InputPosition | undefined): void {
    if (!position) return;
    const key = positionKey(position);
    const offset = BigInt(position.offset);
    const first = this.firstRefused.get(key);
    if (first === undefined || offset < first) this.firstRefused.set(key, offset);
  }

  /**
   * Why the input at this position must be refused now, or undefined when it may be applied: an input at or
   * before the first refused offset is the replay itself, and lifts the barrier of its partition.
   */
  blocks(position: InputPosition | undefined): Error | undefined {
    if (!position) return undefined;
    const key = positionKey(position);
    const first = this.firstRefused.get(key);
    if (first === undefined) return undefined;
    if (BigInt(position.offset) <= first) {
      this.firstRefused.delete(key);
      return undefined;
    }
    return new Error(`input ${key}@${position.offset} refused until ${key}@${first} is replayed`);
  }
}
