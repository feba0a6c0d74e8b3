import type { Consumer } from 'kafkajs';
import { withTimeout } from './kafka-client.js';
import type { Logger } from './logger.js';
import { OrderedCommits, PartitionCommits } from './ordered-commit.js';
import { OwedCommits } from './owed-commits.js';

const COMMIT_TIMEOUT_MS = 5000;
/** A commit that failed is made again once the group answered heartbeats this long without a break (OwedCommits). */
const OWED_COMMIT_STABLE_MS = 10000;
const OWED_COMMIT_HEARTBEAT_FRESH_MS = 3000;
/** Inside a long batch, a commit at least every so many messages or so often. */
const COMMIT_EVERY = 500;
const COMMIT_INTERVAL_MS = 1000;

export interface ConsumerCommitsOptions {
  consumer: Consumer;
  /** False once the consumer was replaced or is to be rebuilt: its commits are then not made. */
  mayCommit: () => boolean;
  /** The partitions the consumer holds now (its last join). */
  holds: (topic: string, partition: number) => boolean;
  /** A message failed after it was handed over (see PartitionCommits). */
  onFailure: (topic: string, partition: number, offset: string, reason: unknown) => void;
  logger: Logger;
}

/**
 * The offset commits of one kafkajs consumer: per partition in hand-over order (PartitionCommits), and the
 * commits it still owes (OwedCommits). A commit counts as made only when kafkajs reports it (COMMIT_OFFSETS):
 * its commitOffsets resolves without committing anything while it restarts its runner.
 */
export class ConsumerCommits {
  private readonly ordered: OrderedCommits;
  private readonly owed = new OwedCommits({
    stableMs: OWED_COMMIT_STABLE_MS,
    heartbeatFreshMs: OWED_COMMIT_HEARTBEAT_FRESH_MS,
  });
  /** The last offset kafkajs reported committed, per partition. */
  private readonly landedAt = new Map<string, string>();
  private owedInFlight: Promise<void> | undefined;

  constructor(private readonly opts: ConsumerCommitsOptions) {
    this.ordered = new OrderedCommits((topic, partition) => this.partition(topic, partition));
  }

  of(topic: string, partition: number): PartitionCommits {
    return this.ordered.of(topic, partition);
  }

  /** Resolves once every commit queued so far is done. */
  drained(): Promise<void> {
    return this.ordered.drained();
  }

  /** The group coordinator answered a heartbeat of this consumer. */
  heartbeat(): void {
    this.owed.heartbeat();
  }

  /** The consumer crashed or joined again: owed commits wait for the group to settle again. */
  unsettled(): void {
    this.owed.unsettled();
  }

  /** kafkajs reports a commit made (its COMMIT_OFFSETS event). */
  landed(topic: string, partition: number, offset: string): void {
    this.landedAt.set(`${topic}:${partition}`, offset);
    this.owed.landed(topic, partition, offset);
  }

  /**
   * Makes the commits this consumer owes once its group has settled (`now`: at once, on close), in order with its
   * other commits; each only while still owed and its partition still held when its turn comes.
   */
  commitOwed(now = false): Promise<void> {
    if (this.owedInFlight) return this.owedInFlight;
    const { owed } = this;
    const { holds } = this.opts;
    const due = now ? owed.all(holds) : owed.due(holds);
    if (due.length === 0 || !this.opts.mayCommit()) return Promise.resolve();
    const made = Promise.all(
      due.map(({ topic, partition, offset }) =>
        this.of(topic, partition).recommit(
          offset,
          () => owed.owes(topic, partition, offset) && holds(topic, partition),
        ),
      ),
    ).then(() => {
      if (owed.size === 0) this.opts.logger.info({ commits: due.length }, 'owed offset commits made');
    });
    this.owedInFlight = made.finally(() => (this.owedInFlight = undefined));
    return this.owedInFlight;
  }

  private partition(topic: string, partition: number): PartitionCommits {
    const { consumer: c, logger } = this.opts;
    const key = `${topic}:${partition}`;
    return new PartitionCommits({
      every: COMMIT_EVERY,
      intervalMs: COMMIT_INTERVAL_MS,
      commit: async (offset) => {
        if (!this.opts.mayCommit()) return;
        this.owed.asked(topic, partition, offset);
        try {
          await withTimeout(
            c.commitOffsets([{ topic, partition, offset }]),
            COMMIT_TIMEOUT_MS,
            `offset commit of ${key}@${offset}`,
          );
          if (this.landedAt.get(key) !== offset)
            throw new Error(`offset commit of ${key}@${offset} not made: the kafkajs consumer is not running`);
          this.owed.committed(topic, partition, offset);
        } catch (err) {
          // Owed: made again once the group has settled, unless a later commit comes first or the partition goes
          // to another member (which reads again from the last commit).
          this.owed.failed(topic, partition, offset);
          logger.warn({ topic, partition, offset, err }, 'offset commit failed: made again once the group settles');
        }
      },
      onFailure: (offset, reason) => this.opts.onFailure(topic, partition, offset, reason),
    });
  }
}
