/**
 * Offsets are committed after the effects, never before: a crash replays, it never skips (effects are
 * idempotent). A handler may take a message in and settle it later, so messages of one partition settle in
 * any order. This keeps, per partition, the commits in hand-over order: a commit names the offset after the
 * last message of an unbroken run of settled ones, so a message settled early never lets the commit pass an
 * earlier one still open. A message that fails stops its partition: nothing after it is committed, and the
 * owner is told (it reads again from the last commit).
 */
export interface OrderedCommitOptions {
  /** Commits `next` (the offset after the last settled message); failures are the callee's to log. */
  commit: (next: string) => Promise<void>;
  /** A message failed to settle: nothing from it on is committed by this partition any more. */
  onFailure: (offset: string, reason: unknown) => void;
  /** A flush is due after this many messages handed over since the last one... */
  every?: number;
  /** ...or this long since the last flush. */
  intervalMs?: number;
  now?: () => number;
}

export class PartitionCommits {
  private chain: Promise<void> = Promise.resolve();
  /** The commits themselves, one at a time in the order asked (a retry need not wait for later settles). */
  private commits: Promise<void> = Promise.resolve();
  private pending: { offset: string; settled: Promise<void> }[] = [];
  private lastFlush: number;
  private stopped = false;

  constructor(private readonly opts: OrderedCommitOptions) {
    this.lastFlush = this.now();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** True once a message of this partition failed to settle. */
  get failed(): boolean {
    return this.stopped;
  }

  /** A message handed over, settling with `settled`; flushes when enough messages or time have gone by. */
  add(offset: string, settled: Promise<void>): void {
    settled.catch(() => undefined); // observed by the commit chain
    this.pending.push({ offset, settled });
    if (
      this.pending.length >= (this.opts.every ?? 500) ||
      this.now() - this.lastFlush >= (this.opts.intervalMs ?? 1000)
    )
      this.flush();
  }

  /** Queues one commit for everything handed over so far, made once those messages have settled. */
  flush(): void {
    if (this.pending.length === 0) return;
    const group = this.pending;
    this.pending = [];
    this.lastFlush = this.now();
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      const results = await Promise.allSettled(group.map((p) => p.settled));
      const failedAt = results.findIndex((r) => r.status === 'rejected');
      const ok = failedAt < 0 ? group.length : failedAt;
      if (ok > 0) await this.commitInOrder((BigInt(group[ok - 1]!.offset) + 1n).toString(), () => true);
      if (failedAt >= 0) {
        this.stopped = true;
        this.opts.onFailure(group[failedAt]!.offset, (results[failedAt] as PromiseRejectedResult).reason);
      }
    });
  }

  /**
   * Commits `next` again (a commit that failed): in order with the commits being made, but not behind messages
   * still to settle. Skipped when `stillOwed` says a later commit replaced it meanwhile, so a retry never lands
   * after a later commit.
   */
  recommit(next: string, stillOwed: () => boolean): Promise<void> {
    return this.commitInOrder(next, () => !this.stopped && stillOwed());
  }

  private commitInOrder(next: string, still: () => boolean): Promise<void> {
    const made = this.commits.then(() => (still() ? this.opts.commit(next) : undefined));
    this.commits = made.catch(() => undefined);
    return made;
  }

  /** Resolves once every commit queued so far is done. */
  drained(): Promise<void> {
    return this.chain;
  }
}

/** The PartitionCommits of one consumer generation, by topic and partition. */
export class OrderedCommits {
  private readonly partitions = new Map<string, PartitionCommits>();

  constructor(private readonly create: (topic: string, partition: number) => PartitionCommits) {}

  of(topic: string, partition: number): PartitionCommits {
    const key = `${topic}:${partition}`;
    let p = this.partitions.get(key);
    if (!p) this.partitions.set(key, (p = this.create(topic, partition)));
    return p;
  }

  /** Resolves once every partition's queued commits are done. */
  async drained(): Promise<void> {
    await Promise.all([...this.partitions.values()].map((p) => p.drained()));
  }
}
