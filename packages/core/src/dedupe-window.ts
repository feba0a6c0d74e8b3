/** Bounded memory of recently seen event ids (FIFO eviction), so redelivered messages are applied once. */
export class DedupeWindow {
  private readonly set = new Set<string>();
  private readonly ring: string[] = [];
  private head = 0;

  constructor(readonly capacity: number) {}

  has(id: string): boolean {
    return this.set.has(id);
  }

  add(id: string): void {
    if (this.set.has(id)) return;
    if (this.ring.length < this.capacity) this.ring.push(id);
    else {
      this.set.delete(this.ring[this.head]!);
      this.ring[this.head] = id;
      this.head = (this.head + 1) % this.capacity;
    }
    this.set.add(id);
  }

  /** Oldest first, so restoring replays the same eviction order. */
  toArray(): string[] {
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  static from(capacity: number, ids: readonly string[]): DedupeWindow {
    const w = new DedupeWindow(capacity);
    for (const id of ids) w.add(id);
    return w;
  }
}
