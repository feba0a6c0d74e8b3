import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Accepted, ConsumerOptions, IncomingMessage, MessageConsumer, MessageHandler } from './message-bus.js';
import type { Logger } from './logger.js';
import { ConsumerCommits } from './consumer-commits.js';
import { sleepUnref, withTimeout } from './kafka-client.js';
import { noteLogEnds, seekUncommitted, type LogEnds } from './kafka-start-offsets.js';
import { OrderedHandoff, probeEndsAtJoin } from './ordered-handoff.js';

/** How long a rebuild waits for the stopped consumer to disconnect before it builds the next one anyway. */
const DISCONNECT_TIMEOUT_MS = 15000;
/**
 * No fetch, heartbeat or batch for this long while the broker answers means the consumer stopped (a healthy one
 * fetches every second; a rebalance may keep it quiet up to its 10 s rebalance timeout).
 */
const STALL_REBUILD_MS = 15000;
/**
 * After the broker answers again, kafkajs gets this long to resume on its own before a rebuild: a consumer
 * that restarted during the outage joins as a new member, which the coordinator admits once the old member's
 * session (10 s) is over; a rebuild would not be quicker.
 */
const BROKER_BACK_GRACE_MS = 10000;
/** A rebuild that failed is tried again this soon (not after another silence). */
const REBUILD_RETRY_MS = 2000;
/**
 * Consumer retries: kafkajs waits up to maxRetryTime between attempts while the broker is away, so that is
 * also how late it notices the broker is back. Short waits, and kafkajs restarts the consumer when they run out.
 */
const CONSUMER_RETRY = { initialRetryTime: 200, maxRetryTime: 1000, retries: 10, factor: 0.2, multiplier: 2 };

/** What a consumer takes from the bus that made it. */
export interface KafkaConsumerContext {
  kafka: Kafka;
  admin: () => Promise<Admin>;
  /** How long subscribing may be refused (a leader being elected) before it fails. */
  topicWaitMs: number;
  logger: Logger;
  /** Called once the consumer is closed. */
  onClose: () => void;
}

const toIncoming = (
  topic: string,
  partition: number,
  m: EachBatchPayload['batch']['messages'][number],
): IncomingMessage => ({
  topic,
  partition,
  offset: m.offset,
  key: m.key ? m.key.toString() : null,
  value: m.value ? m.value.toString() : null,
  headers: Object.fromEntries(
    Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v ?? '')]),
  ),
  timestamp: m.timestamp,
});

/**
 * A group consumer over kafkajs with manual commits after processing (see PartitionCommits), an optional
 * event-time hand-off across partitions (OrderedHandoff), and a watchdog that rebuilds the kafkajs consumer
 * when it stopped for good, with the same handler and pauses.
 */
export class KafkaConsumer implements MessageConsumer {
  private consumer!: Consumer;
  /** The commits of the current kafkajs consumer. */
  private commits!: ConsumerCommits;
  /** The partitions the current kafkajs consumer was given at its last join (topic -> partitions). */
  private assigned: Record<string, number[]> = {};
  private handler?: MessageHandler;
  private readonly handoff?: OrderedHandoff;
  private readonly paused = new Map<string, number[] | undefined>();
  private lastActivity = Date.now();
  private needsRebuild = false;
  private rebuilding = false;
  /** A handler may legitimately take long (backpressure, a store retrying): never rebuild under it. */
  private busy = false;
  private closed = false;
  /** The batch being processed and its commits: close() lets it finish, so a graceful stop replays nothing. */
  private inFlight: Promise<void> = Promise.resolve();
  private markJoined!: () => void;
  private readonly joinedOnce = new Promise<void>((r) => (this.markJoined = r));
  private readonly watchdog: NodeJS.Timeout;
  private nextRebuildAt = 0;
  /** Since when the broker answers the watchdog without a break (0: it did not, last time it asked). */
  private answeringSince = 0;

  static async create(ctx: KafkaConsumerContext, opts: ConsumerOptions): Promise<KafkaConsumer> {
    const startEnds: LogEnds = opts.fromBeginning ? new Map() : await noteLogEnds(ctx.admin, opts.topics, ctx.logger);
    const kc = new KafkaConsumer(ctx, opts, startEnds);
    try {
      kc.consumer = await kc.build();
      kc.commits = kc.newCommits(kc.consumer);
    } catch (err) {
      clearInterval(kc.watchdog);
      throw err;
    }
    return kc;
  }

  private constructor(
    private readonly ctx: KafkaConsumerContext,
    private readonly opts: ConsumerOptions,
    private readonly startEnds: LogEnds,
  ) {
    const log = ctx.logger;
    this.handoff = opts.eventTime
      ? new OrderedHandoff({
          eventTime: opts.eventTime,
          handler: () => this.handler,
          busy: (b) => (this.busy = b),
          logger: log,
        })
      : undefined;
    this.watchdog = setInterval(() => this.checkHealth(), 1000);
    this.watchdog.unref();
  }

  private get log(): Logger {
    return this.ctx.logger;
  }

  private isCurrent(c: Consumer): boolean {
    return !this.closed && this.consumer === c;
  }

  private async build(): Promise<Consumer> {
    const { opts } = this;
    const c = this.ctx.kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10000,
      retry: CONSUMER_RETRY,
      // An idle fetch waits this long at the broker; a disconnect waits for it (a graceful stop stays quick).
      maxWaitTimeInMs: 1000,
      allowAutoTopicCreation: true,
    });
    await c.connect();
    for (const topic of opts.topics) await this.subscribe(c, topic);
    // Only the current consumer counts. One replaced by a rebuild may still be in kafkajs's own restart loop,
    // which disconnect() does not always stop: it can join again, and must neither look alive to the watchdog
    // nor reset the hand-off's view of the partitions.
    for (const e of [c.events.FETCH_START, c.events.HEARTBEAT, c.events.GROUP_JOIN, c.events.START_BATCH_PROCESS]) {
      c.on(e, () => {
        if (this.isCurrent(c)) this.lastActivity = Date.now();
      });
    }
    // kafkajs hands every batch of a fetch answer over before it fetches again.
    c.on(c.events.FETCH_START, () => {
      if (this.isCurrent(c)) this.handoff?.sealRound();
    });
    c.on(c.events.HEARTBEAT, () => {
      if (this.isCurrent(c)) this.commits.heartbeat();
    });
    // commitOffsets resolves without committing anything while kafkajs restarts its runner (after a broker
    // went away): only this event says a commit was made.
    c.on(c.events.COMMIT_OFFSETS, (e) => {
      for (const t of e.payload.topics)
        for (const p of t.partitions)
          if (this.isCurrent(c)) this.commits.landed(t.topic, p.partition, String(p.offset));
    });
    c.on(c.events.GROUP_JOIN, (e) => {
      this.markJoined();
      if (!this.isCurrent(c)) return;
      this.assigned = e.payload.memberAssignment;
      this.commits.unsettled();
      const current = () => this.isCurrent(c);
      const { handoff } = this;
      if (handoff) {
        const assignment = e.payload.memberAssignment;
        const generation = handoff.assign(assignment);
        const report = (topic: string, partition: number, end: bigint) =>
          handoff.readTo(generation, topic, partition, end);
        void probeEndsAtJoin(
          this.ctx.admin,
          opts.groupId,
          assignment,
          this.startEnds,
          opts.fromBeginning ?? false,
          report,
          current,
          this.log,
        );
      }
      if (this.startEnds.size > 0)
        void seekUncommitted(this.ctx.admin, c, opts.groupId, this.startEnds, this.log, current);
    });
    c.on(c.events.CRASH, (e) => {
      if (this.isCurrent(c)) this.commits.unsettled();
      if (!e.payload.restart && this.isCurrent(c)) this.needsRebuild = true;
    });
    return c;
  }

  /** Subscribes, retrying what the broker says may pass (a leader being elected) within the topic budget. */
  private async subscribe(c: Consumer, topic: string | RegExp): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await c.subscribe({ topic, fromBeginning: this.opts.fromBeginning ?? false });
        return;
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true;
        if (!retriable || Date.now() - started >= this.ctx.topicWaitMs) throw err;
        if (attempt === 0) this.log.info({ topic: String(topic), err }, 'subscribe refused for now: retrying');
        await sleepUnref(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  }

  /**
   * The commits of kafkajs consumer `c`, made only while it is the current one (after a rebuild the partitions
   * start again from their last commit).
   */
  private newCommits(c: Consumer): ConsumerCommits {
    return new ConsumerCommits({
      consumer: c,
      mayCommit: () => this.consumer === c && !this.needsRebuild,
      holds: (topic, partition) => this.assigned[topic]?.includes(partition) ?? false,
      logger: this.log,
      onFailure: (topic, partition, offset, reason) => {
        this.log.warn(
          { topic, partition, offset, err: String(reason) },
          'a message failed after it was handed over: the consumer restarts from its last commit',
        );
        try {
          c.pause([{ topic, partitions: [partition] }]);
        } catch {
          // not running any more: the rebuild starts afresh anyway
        }
        this.needsRebuild = true;
      },
    });
  }

  private start(c: Consumer, h: MessageHandler): Promise<void> {
    const commits = this.commits;
    return c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        if (this.isCurrent(c) || this.closed) return this.eachBatch(h, commits, payload);
        // A replaced consumer that came back (see build): it would hold partitions whose commits are ignored,
        // so the group would owe their messages for ever. It takes nothing and leaves the group.
        this.retire(c);
      },
    });
  }

  private readonly retired = new WeakSet<Consumer>();

  private retire(c: Consumer): void {
    if (this.retired.has(c)) return;
    this.retired.add(c);
    this.log.warn('a replaced Kafka consumer came back after its rebuild: disconnecting it');
    // Not from inside its batch: disconnect() waits for the batch to end.
    setImmediate(() => void c.disconnect().catch(() => undefined));
  }

  /**
   * Fetching goes on at once (the offset is resolved when the handler returns, or the hand-off took the
   * message); commits follow per partition once the messages up to them have settled: one per batch, or per
   * COMMIT_EVERY messages / COMMIT_INTERVAL_MS inside a long batch. A message that fails to settle stops its
   * partition and the consumer is rebuilt, reading again from the last commit.
   */
  private async eachBatch(
    h: MessageHandler,
    commits: ConsumerCommits,
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
  ): Promise<void> {
    const { topic, partition } = batch;
    const part = commits.of(topic, partition);
    const { handoff } = this;
    const run = (async () => {
      try {
        for (const m of batch.messages) {
          if (this.closed || part.failed || !isRunning() || isStale()) break;
          const incoming = toIncoming(topic, partition, m);
          if (handoff) {
            // Handed on in event-time order across partitions; committed once handled and settled.
            part.add(m.offset, handoff.enqueue(incoming, batch.highWatermark));
            resolveOffset(m.offset);
            this.lastActivity = Date.now();
            await handoff.room();
            await heartbeat();
            continue;
          }
          this.busy = true;
          let accepted: Accepted | void;
          try {
            accepted = await h(incoming);
          } finally {
            this.busy = false;
          }
          part.add(m.offset, accepted ? accepted.settled : Promise.resolve());
          resolveOffset(m.offset);
          this.lastActivity = Date.now();
          await heartbeat();
        }
      } finally {
        // Also when the handler threw (that message is not resolved: kafkajs hands it over again).
        part.flush();
      }
    })();
    // close() lets the batch stop after the current message and waits for its commits.
    this.inFlight = run.then(
      () => part.drained(),
      () => part.drained(),
    );
    await run;
  }

  /** Whether the cluster answers a metadata request now (briefly: the watchdog asks). */
  private async brokerAnswers(): Promise<boolean> {
    try {
      await withTimeout(
        this.ctx.admin().then((a) => a.describeCluster()),
        3000,
        'describing the Kafka cluster',
      );
      return true;
    } catch {
      return false;
    }
  }

  /**
   * kafkajs can stop for good after a failed restart (e.g. the broker still unreachable when it retries): a
   * consumer silent for too long, told not to restart, or with a message that failed after it was handed over
   * is rebuilt with the same handler, as soon as the broker answers again (a rebuild while it is away fails and
   * only delays the next attempt); a failed rebuild is tried again shortly.
   */
  private checkHealth(): void {
    if (this.closed || !this.handler) return;
    void this.commits.commitOwed();
    if (this.rebuilding || this.busy) return;
    if (!this.needsRebuild && Date.now() - this.lastActivity < STALL_REBUILD_MS) return;
    if (Date.now() < this.nextRebuildAt) return;
    this.rebuilding = true;
    void this.rebuildIfBrokerBack().finally(() => (this.rebuilding = false));
  }

  private async rebuildIfBrokerBack(): Promise<void> {
    if (!(await this.brokerAnswers())) {
      this.answeringSince = 0;
      return;
    }
    if (this.answeringSince === 0) this.answeringSince = Date.now();
    const silent = Date.now() - this.lastActivity;
    if (Date.now() - this.answeringSince < BROKER_BACK_GRACE_MS || (!this.needsRebuild && silent < STALL_REBUILD_MS))
      return;
    const reason = this.needsRebuild
      ? 'crashed for good, or a message failed after it was handed over'
      : 'silent too long';
    this.log.warn({ silentMs: silent, reason }, 'Kafka consumer rebuilt: it reads again from its last commit');
    try {
      // Bounded: a consumer stuck in kafkajs's restart loop may never finish disconnecting (if it comes back, it
      // is retired when it gets a batch).
      await withTimeout(this.consumer.disconnect(), DISCONNECT_TIMEOUT_MS, 'disconnecting the stopped consumer').catch(
        () => undefined,
      );
      const next = await this.build();
      this.consumer = next;
      this.commits = this.newCommits(next);
      this.needsRebuild = false;
      this.lastActivity = Date.now();
      if (this.handler) await this.start(next, this.handler);
      for (const [topic, partitions] of this.paused) next.pause([{ topic, ...(partitions ? { partitions } : {}) }]);
    } catch (err) {
      this.log.warn({ err }, 'Kafka consumer rebuild failed; will retry');
      this.needsRebuild = true;
      this.nextRebuildAt = Date.now() + REBUILD_RETRY_MS;
    }
  }

  async run(h: MessageHandler): Promise<void> {
    this.handler = h;
    this.lastActivity = Date.now();
    await this.start(this.consumer, h);
  }

  joined(): Promise<void> {
    return this.joinedOnce;
  }

  pause(topic: string, partitions?: number[]): void {
    this.paused.set(topic, partitions);
    this.consumer.pause([{ topic, ...(partitions ? { partitions } : {}) }]);
  }

  resume(topic: string, partitions?: number[]): void {
    this.paused.delete(topic);
    this.consumer.resume([{ topic, ...(partitions ? { partitions } : {}) }]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    this.ctx.onClose();
    await this.inFlight;
    await this.handoff?.close();
    await this.commits.drained();
    // What is still owed is tried once more (each commit is bounded by its timeout): a graceful stop replays nothing
    // it can help.
    await this.commits.commitOwed(true);
    await this.consumer.disconnect();
  }
}
