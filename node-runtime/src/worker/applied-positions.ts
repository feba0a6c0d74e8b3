import { positionKey, type InputPosition } from './input-position.js';

/**
 * The input positions a worker has applied (`<topic>:<partition>` -> offset) and the ones last saved with its
 * state. An input at or below its partition's applied offset is in the state already; after a failed effect
 * the worker goes back to the saved positions, so the consumer's replay applies the lost inputs again.
 */
export class AppliedPositions {
  private readonly current: Record<string, string>;
  private saved: Record<string, string>;

  constructor(initial: Record<string, string> = {}) {
    this.current = { ...initial };
    this.saved = { ...this.current };
  }

  /** True when the input at this position is applied already. */
  has(position: InputPosition | undefined): boolean {
    if (!position) return false;
    const at = this.current[positionKey(position)];
    return at !== undefined && BigInt(position.offset) <= BigInt(at);
  }

  /** The input at this position is applied (its partition moves on to it). */
  advance(position: InputPosition): void {
    this.current[positionKey(position)] = position.offset;
  }

  /** Takes offsets (the node's routed ones) as applied where they are further on; true when a position moved. */
  merge(offsets: Record<string, string>): boolean {
    let moved = false;
    for (const [key, offset] of Object.entries(offsets)) {
      const at = this.current[key];
      if (at === undefined || BigInt(offset) > BigInt(at)) {
        this.current[key] = offset;
        moved = true;
      }
    }
    return moved;
  }

  /** A copy of the applied positions. */
  snapshot(): Record<string, string> {
    return { ...this.current };
  }

  /** The applied positions are saved with the state: a later failure goes back to here. */
  markSaved(): void {
    this.saved = { ...this.current };
  }

  /** Back to the positions last saved. */
  resetToSaved(): void {
    for (const key of Object.keys(this.current)) delete this.current[key];
    Object.assign(this.current, this.saved);
  }
}
