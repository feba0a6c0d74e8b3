/**
 * Offset commits a consumer still owes. A commit that failed (the broker away, the group coordinator moving)
 * would leave the group behind the last settled message of its partition until the next message comes: on a
 * quiet partition for good, so its lag never reaches 0 and a restart reads that message again. Such a commit
 * is owed, and made again by the same consumer once its group is settled: heartbeats answered without a break
 * for `stableMs` since the last failure. Not sooner: commits pushed at a broker that is coming back made kafkajs
 * restart the consumer as a new group member (S5.01). A later commit asked for the partition replaces what is
 * owed; a rebuilt consumer starts with nothing owed (it reads again from the last commit anyway).
 */
export interface OwedCommit {
  topic: string;
  partition: number;
  /** The offset to commit: the one after the last settled message. */
  offset: string;
}

export interface OwedCommitsOptions {
  /** How long heartbeats must be answered without a break before owed commits are made again. */
  stableMs: number;
  /** A heartbeat older than this means the group is not answering now. */
  heartbeatFreshMs: number;
  now?: () => number;
}

export class OwedCommits {
  private readonly owed = new Map<string, OwedCommit>();
  /** The last offset asked to be committed, per partition. */
  private readonly lastAsked = new Map<string, string>();
  /** The first heartbeat answered after the last failure (0: none yet). */
  private answeredSince = 0;
  private lastAnswer = 0;

  constructor(private readonly opts: OwedCommitsOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get size(): number {
    return this.owed.size;
  }

  /** A commit of `offset` is being made: whatever was owed for the partition is replaced by it. */
  asked(topic: string, partition: number, offset: string): void {
    const key = `${topic}:${partition}`;
    this.lastAsked.set(key, offset);
    const o = this.owed.get(key);
    if (o && o.offset !== offset) this.owed.delete(key);
  }

  /**
   * The broker took a commit of `offset` (kafkajs's COMMIT_OFFSETS). A commit given up on (timed out) may still
   * land later, behind a later one, and take the group back: the later offset is then owed again.
   */
  landed(topic: string, partition: number, offset: string): void {
    const key = `${topic}:${partition}`;
    const last = this.lastAsked.get(key);
    if (last !== undefined && BigInt(offset) < BigInt(last) && !this.owed.has(key))
      this.owed.set(key, { topic, partition, offset: last });
  }

  /** The group is not settled (a crash or a new join): owed commits wait for heartbeats for `stableMs` again. */
  unsettled(): void {
    this.answeredSince = 0;
  }

  /** The commit of `offset` failed: it is owed, and the group must settle again before it is tried. */
  failed(topic: string, partition: number, offset: string): void {
    this.owed.set(`${topic}:${partition}`, { topic, partition, offset });
    this.answeredSince = 0;
  }

  /** Whether `offset` is still what the partition owes. */
  owes(topic: string, partition: number, offset: string): boolean {
    return this.owed.get(`${topic}:${partition}`)?.offset === offset;
  }

  /** The commit of `offset` went through. */
  committed(topic: string, partition: number, offset: string): void {
    if (this.owed.get(`${topic}:${partition}`)?.offset === offset) this.owed.delete(`${topic}:${partition}`);
  }

  /** The group coordinator answered a heartbeat. */
  heartbeat(): void {
    const now = this.now();
    // A gap in the answers (the broker away again) starts the wait again.
    if (this.answeredSince === 0 || now - this.lastAnswer > this.opts.heartbeatFreshMs) this.answeredSince = now;
    this.lastAnswer = now;
  }

  /**
   * The commits to make again now: none until the group has been settled for `stableMs`. Partitions `holds`
   * says this consumer no longer has are dropped (their next owner reads again from the last commit).
   */
  due(holds: (topic: string, partition: number) => boolean): OwedCommit[] {
    if (this.all(holds).length === 0) return [];
    const now = this.now();
    const settled =
      this.answeredSince > 0 &&
      now - this.answeredSince >= this.opts.stableMs &&
      now - this.lastAnswer <= this.opts.heartbeatFreshMs;
    return settled ? [...this.owed.values()] : [];
  }

  /** Every owed commit of a partition `holds` says is still ours (the others are dropped), settled or not. */
  all(holds: (topic: string, partition: number) => boolean): OwedCommit[] {
    for (const [key, o] of this.owed) if (!holds(o.topic, o.partition)) this.owed.delete(key);
    return [...this.owed.values()];
  }
}
