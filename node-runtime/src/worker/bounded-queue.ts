/**
 * FIFO with a capacity. push() waits while the queue is full: the caller (the Kafka
 * consumer) is held back instead of anything being dropped.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  private readonly itemWaiters: (() => void)[] = [];
  private closed = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  get full(): boolean {
    return this.items.length >= this.capacity;
  }

  async push(item: T): Promise<void> {
    while (this.full && !this.closed) await new Promise<void>((r) => this.spaceWaiters.push(r));
    if (this.closed) throw new Error('queue closed');
    this.items.push(item);
    this.itemWaiters.shift()?.();
  }

  /** The next item take() would return, left in the queue. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Removes and returns every queued item matching (the rest keep their order). */
  removeWhere(match: (item: T) => boolean): T[] {
    const removed: T[] = [];
    for (let i = 0; i < this.items.length;) {
      if (match(this.items[i]!)) removed.push(...this.items.splice(i, 1));
      else i++;
    }
    for (let n = 0; n < removed.length; n++) this.spaceWaiters.shift()?.();
    return removed;
  }

  /** Replaces the newest queued item that matches (conflation); returns the replaced item. */
  replaceLast(match: (item: T) => boolean, next: T): T | undefined {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const old = this.items[i]!;
      if (match(old)) {
        this.items[i] = next;
        return old;
      }
    }
    return undefined;
  }

  /** Next item, or undefined once closed and empty. */
  async take(): Promise<T | undefined> {
    while (this.items.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((r) => this.itemWaiters.push(r));
    }
    const item = this.items.shift();
    this.spaceWaiters.shift()?.();
    return item;
  }

  /** No more pushes; take() drains what is left, then returns undefined. */
  close(): void {
    this.closed = true;
    for (const w of this.itemWaiters.splice(0)) w();
    for (const w of this.spaceWaiters.splice(0)) w();
  }
}
