/**
 * Hands the messages of one topic's partitions on in event-time order, as they happened at the source, however
 * the consumer interleaves its fetches. A consumer that reads a backlog (after a rebuild, a rejoin or an outage)
 * gets a whole batch of one partition, then of the next: without this, a reader of codes on several partitions
 * would see 10:25 before 10:20.
 *
 * A k-way merge of per-partition queues (each kept in offset order): the head with the lowest event time goes
 * first, ties to the lower partition. A head may go only while no other assigned partition could still bring
 * something older, that is, every other partition has a queued message or is known to be read up to its end
 * (its high watermark, from a fetched batch or from the committed offsets at a join). Partitions are unknown
 * after every join until one of the two is learnt. Messages of the fetch round under way are held back until
 * `seal()` says the round is over (every batch of one fetch answer queued): the other partitions' batches of
 * the same answer may still hold older messages. A message without an event time keeps its place in its
 * partition (it takes the event time of the message before it).
 */
export interface MergedItem<T> {
  partition: number;
  offset: bigint;
  ts: number;
  value: T;
  /** The fetch round it came in. */
  round: number;
}

interface PartitionState<T> {
  queue: MergedItem<T>[];
  /** Highest offset ever queued: a message at or below it was queued before (a re-delivery). */
  queuedUpTo?: bigint;
  /** Highest offset delivered by the current generation, and the partition's end (next offset) last learnt. */
  readUpTo?: bigint;
  end?: bigint;
  lastTs: number;
}

export class EventTimeMerge<T> {
  private readonly partitions = new Map<number, PartitionState<T>>();
  private assigned = new Set<number>();
  private queued = 0;
  private round = 0;

  private state(partition: number): PartitionState<T> {
    let s = this.partitions.get(partition);
    if (!s) this.partitions.set(partition, (s = { queue: [], lastTs: Number.NEGATIVE_INFINITY }));
    return s;
  }

  /** Messages waiting. */
  get size(): number {
    return this.queued;
  }

  /** A new generation (join): these partitions are read, and none is known to be at its end yet. */
  assign(partitions: number[]): void {
    this.assigned = new Set(partitions);
    for (const p of partitions) {
      const s = this.state(p);
      delete s.readUpTo;
      delete s.end;
    }
  }

  /** Nothing to read before `end` (the next offset) on this partition, as far as anyone knows now. */
  readTo(partition: number, end: bigint): void {
    const s = this.state(partition);
    const last = end - 1n;
    if (s.readUpTo === undefined || last > s.readUpTo) s.readUpTo = last;
    if (s.end === undefined || end > s.end) s.end = end;
  }

  /**
   * Queues a fetched message; `end` is its partition's high watermark at the fetch. Returns the queued item:
   * the one queued before for the same offset when this is a re-delivery (after a rejoin) still waiting, or
   * undefined when that offset was handed on already.
   */
  push(partition: number, offset: bigint, ts: number | undefined, value: T, end: bigint): MergedItem<T> | undefined {
    const s = this.state(partition);
    this.readTo(partition, offset + 1n);
    if (end > (s.end ?? -1n)) s.end = end;
    if (s.queuedUpTo !== undefined && offset <= s.queuedUpTo) return s.queue.find((i) => i.offset === offset);
    const item = { partition, offset, ts: ts ?? s.queue.at(-1)?.ts ?? s.lastTs, value, round: this.round };
    s.queue.push(item);
    s.queuedUpTo = offset;
    this.queued++;
    return item;
  }

  /** The fetch round under way is over: what it brought may go. */
  seal(): void {
    this.round++;
  }

  /** The partition read up to its end (nothing fetched would be older than what waits elsewhere). */
  private atEnd(s: PartitionState<T>): boolean {
    return s.readUpTo !== undefined && s.end !== undefined && s.readUpTo + 1n >= s.end;
  }

  /** The next message to hand on, or undefined while a partition could still bring an older one. */
  next(force = false): MergedItem<T> | undefined {
    let best: PartitionState<T> | undefined;
    let bestPartition = 0;
    for (const [p, s] of this.partitions) {
      const head = s.queue[0];
      if (!head) {
        if (!force && this.assigned.has(p) && !this.atEnd(s)) return undefined;
        continue;
      }
      if (!force && head.round === this.round) return undefined;
      if (!best || head.ts < best.queue[0]!.ts || (head.ts === best.queue[0]!.ts && p < bestPartition)) {
        best = s;
        bestPartition = p;
      }
    }
    if (!best) return undefined;
    const item = best.queue.shift()!;
    best.lastTs = item.ts;
    this.queued--;
    return item;
  }

  /** Takes the waiting messages out (of one partition, or all): the caller settles them; they are queued again when fetched again. */
  drain(partition?: number): MergedItem<T>[] {
    const out: MergedItem<T>[] = [];
    for (const [p, s] of this.partitions) {
      if (partition !== undefined && p !== partition) continue;
      const first = s.queue[0];
      if (first) s.queuedUpTo = first.offset - 1n;
      out.push(...s.queue);
      this.queued -= s.queue.length;
      s.queue = [];
    }
    return out;
  }
}
