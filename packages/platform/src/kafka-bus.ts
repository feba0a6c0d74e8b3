import { Kafka, Partitioners, logLevel, type Consumer, type Producer, type Admin, type LogEntry } from 'kafkajs';
import type {
  Accepted,
  ConsumerOptions,
  IncomingMessage,
  MessageBus,
  MessageConsumer,
  MessageHandler,
  MessageProducer,
  OutgoingMessage,
  TopicSpec,
} from './message-bus.js';
import type { Logger } from './logger.js';
import { DEFAULT_TOPIC_WAIT_MS, ensureTopicsReady } from './kafka-topics.js';
import { OrderedHandoff, probeEndsAtJoin } from './ordered-handoff.js';

const levelName: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

const COMMIT_TIMEOUT_MS = 5000;
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
const COMMIT_EVERY = 500;
const COMMIT_INTERVAL_MS = 1000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  p.catch(() => undefined);
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** kafkajs adapter: idempotent producer with acks=all, manual commits after processing (S9.02). */
export class KafkaMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly open = new Set<{ close(): Promise<void> }>();
  private admin?: Admin;

  constructor(
    private readonly opts: {
      brokers: string[];
      clientId: string;
      logger: Logger;
      /** How long topics may take to exist with leaders before ensureTopics / consumer() give up. */
      topicWaitMs?: number;
    },
  ) {
    const log = opts.logger.child({ lib: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      connectionTimeout: 3000,
      requestTimeout: 30000,
      // Exponential backoff on broker loss (S5.01); the caller sees errors only after retries.
      retry: { initialRetryTime: 200, maxRetryTime: 10000, retries: 10, factor: 0.2, multiplier: 2 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...extra } = entry.log;
        log[levelName[entry.level] ?? 'info']({ ns: entry.namespace, ...extra }, message);
      },
    });
  }

  private async adminClient(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /**
   * Creates the missing topics and waits until each partition has a leader (bounded by `topicWaitMs`; throws
   * TopicsNotReadyError after it): a topic that was just created, here or by another process, is not usable
   * before that.
   */
  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    await ensureTopicsReady(() => this.adminClient(), topics, {
      budgetMs: this.opts.topicWaitMs ?? DEFAULT_TOPIC_WAIT_MS,
      log: this.opts.logger.child({ component: 'kafka-topics' }),
    });
  }

  /** Subscribes, retrying what the broker says may pass (a leader being elected) within the topic budget. */
  private async subscribe(c: Consumer, topic: string | RegExp, fromBeginning: boolean, log: Logger): Promise<void> {
    const budget = this.opts.topicWaitMs ?? DEFAULT_TOPIC_WAIT_MS;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await c.subscribe({ topic, fromBeginning });
        return;
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true;
        if (!retriable || Date.now() - started >= budget) throw err;
        if (attempt === 0) log.info({ topic: String(topic), err: String(err) }, 'subscribe refused for now: retrying');
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)).unref());
      }
    }
  }

  async producer(opts: { transactionalId?: string } = {}): Promise<MessageProducer> {
    const producer: Producer = this.kafka.producer({
      idempotent: true,
      createPartitioner: Partitioners.DefaultPartitioner,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      ...(opts.transactionalId ? { transactionalId: opts.transactionalId } : {}),
    });
    await producer.connect();
    const handle: MessageProducer = {
      send: async (topic: string, messages: OutgoingMessage[]) => {
        if (messages.length === 0) return;
        await producer.send({
          topic,
          acks: -1,
          messages: messages.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) })),
        });
      },
      close: async () => {
        this.open.delete(handle);
        await producer.disconnect();
      },
    };
    this.open.add(handle);
    return handle;
  }

  /**
   * A group without a committed offset starts at the log end, which kafkajs resolves at its first fetch and
   * again on every rejoin until something is committed: a consumer whose first fetch, or rejoin, falls in a
   * broker outage would skip everything produced meanwhile. So the log ends are noted when the consumer is
   * created, and every join that finds a partition still uncommitted seeks it there: the consumer reads
   * everything produced since its creation (at worst a message twice; handlers are idempotent). Best effort:
   * a topic that does not exist yet is left to kafkajs.
   */
  private async logEnds(topics: (string | RegExp)[], log: Logger): Promise<Map<string, { partition: number; offset: string }[]>> {
    const ends = new Map<string, { partition: number; offset: string }[]>();
    try {
      const admin = await this.adminClient();
      const existing = new Set(await admin.listTopics());
      for (const topic of topics) {
        if (typeof topic !== 'string' || !existing.has(topic)) continue;
        ends.set(topic, (await admin.fetchTopicOffsets(topic)).map((e) => ({ partition: e.partition, offset: e.high })));
      }
    } catch (err) {
      log.debug({ err: String(err) }, 'log ends not noted: a rejoin before the first commit starts at the log end');
    }
    return ends;
  }

  /** Seeks the partitions still without a commit to the noted start; retried while the broker is unreachable. */
  private async seekUncommitted(
    c: Consumer,
    groupId: string,
    ends: Map<string, { partition: number; offset: string }[]>,
    log: Logger,
    current: () => boolean,
  ): Promise<void> {
    for (let attempt = 0; current(); attempt++) {
      try {
        const admin = await this.adminClient();
        for (const [topic, partitions] of ends) {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          const unset = new Set((committed?.partitions ?? []).filter((p) => BigInt(p.offset) < 0n).map((p) => p.partition));
          const start = partitions.filter((p) => unset.has(p.partition));
          for (const p of start) if (current()) c.seek({ topic, partition: p.partition, offset: p.offset });
          // The start is also committed: a group with no commit reports no lag, so a consumer stuck on its
          // first message would look idle to the lag alert.
          if (start.length > 0 && current()) {
            await c.commitOffsets(start.map((p) => ({ topic, partition: p.partition, offset: p.offset }))).catch((err: unknown) => {
              log.debug({ topic, err }, 'start offsets not committed: lag stays unknown until the first commit');
            });
          }
        }
        return;
      } catch (err) {
        if (attempt === 0) log.warn({ err: String(err) }, 'joined before the first commit, cannot seek to the start yet: retrying');
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)).unref());
      }
    }
  }

  /** Whether the cluster answers a metadata request now (briefly: the watchdog asks). */
  private async brokerAnswers(): Promise<boolean> {
    try {
      await withTimeout(
        this.adminClient().then((a) => a.describeCluster()),
        3000,
        'describing the Kafka cluster',
      );
      return true;
    } catch {
      return false;
    }
  }

  async consumer(opts: ConsumerOptions): Promise<MessageConsumer> {
    const log = this.opts.logger.child({ groupId: opts.groupId });
    // Topics exist with leaders before anyone subscribes: a subscribe to a topic still being created fails.
    await this.ensureTopics(opts.topics.filter((t): t is string => typeof t === 'string').map((topic) => ({ topic })));
    const startEnds = opts.fromBeginning ? new Map<string, { partition: number; offset: string }[]>() : await this.logEnds(opts.topics, log);
    const build = async (): Promise<Consumer> => {
      const c = this.kafka.consumer({
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
      for (const topic of opts.topics) await this.subscribe(c, topic, opts.fromBeginning ?? false, log);
      for (const e of [c.events.FETCH_START, c.events.HEARTBEAT, c.events.GROUP_JOIN, c.events.START_BATCH_PROCESS]) {
        c.on(e, () => (lastActivity = Date.now()));
      }
      // kafkajs hands every batch of a fetch answer over before it fetches again.
      c.on(c.events.FETCH_START, () => handoff?.sealRound());
      c.on(c.events.GROUP_JOIN, (e) => {
        markJoined();
        if (handoff) {
          const assignment = e.payload.memberAssignment;
          const generation = handoff.assign(assignment);
          const report = (topic: string, partition: number, end: bigint) => handoff.readTo(generation, topic, partition, end);
          void probeEndsAtJoin(() => this.adminClient(), opts.groupId, assignment, startEnds, opts.fromBeginning ?? false, report, () => !closed && consumer === c, log);
        }
        if (startEnds.size > 0) void this.seekUncommitted(c, opts.groupId, startEnds, log, () => !closed && consumer === c);
      });
      c.on(c.events.CRASH, (e) => {
        if (!e.payload.restart) needsRebuild = true;
      });
      return c;
    };
    let lastActivity = Date.now();
    let needsRebuild = false;
    let rebuilding = false;
    // A handler may legitimately take long (backpressure, a store retrying): never rebuild under it.
    let busy = false;
    let closed = false;
    let handler: MessageHandler | undefined;
    const handoff = opts.eventTime
      ? new OrderedHandoff({ eventTime: opts.eventTime, handler: () => handler, busy: (b) => (busy = b), logger: log })
      : undefined;
    const paused = new Map<string, number[] | undefined>();
    // The message being processed: close() lets it finish and commit, so a graceful stop replays nothing.
    let inFlight: Promise<void> = Promise.resolve();
    let markJoined!: () => void;
    const joinedOnce = new Promise<void>((r) => (markJoined = r));
    let consumer = await build();

    // Per partition of the current consumer: the commits scheduled so far, in order (see eachBatch).
    let commits = new Map<string, { chain: Promise<void>; failed: boolean }>();

    const start = (c: Consumer, h: MessageHandler) =>
      c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          // Offsets are committed after the effects, never before: a crash replays, it never skips (effects are
          // idempotent). A handler may accept a message and settle it later (Accepted). Fetching goes on at once
          // (the offset is resolved when the handler returns); commits follow in order, per partition, once the
          // messages up to them have settled: one per batch, or per COMMIT_EVERY messages / COMMIT_INTERVAL_MS
          // inside a long batch. A message that fails to settle stops its partition and the consumer is rebuilt,
          // reading again from the last commit.
          const { topic, partition } = batch;
          const key = `${topic}:${partition}`;
          let state = commits.get(key);
          if (!state) {
            state = { chain: Promise.resolve(), failed: false };
            commits.set(key, state);
          }
          const st = state;
          let pending: { offset: string; settled: Promise<void> }[] = [];
          let lastCommit = Date.now();
          const scheduleCommit = () => {
            if (pending.length === 0) return;
            const group = pending;
            pending = [];
            lastCommit = Date.now();
            st.chain = st.chain.then(async () => {
              if (st.failed) return;
              const results = await Promise.allSettled(group.map((p) => p.settled));
              const failed = results.findIndex((r) => r.status === 'rejected');
              const ok = failed < 0 ? group.length : failed;
              if (ok > 0 && consumer === c && !needsRebuild) {
                const next = (BigInt(group[ok - 1]!.offset) + 1n).toString();
                // A commit that fails (stale generation after an outage or a rebalance) is not retried: whoever
                // owns the partition next reads again from the last commit.
                await withTimeout(c.commitOffsets([{ topic, partition, offset: next }]), COMMIT_TIMEOUT_MS, `offset commit of ${key}@${next}`).catch(
                  (err: unknown) => log.warn({ topic, partition, offset: next, err: String(err) }, 'offset commit failed: those messages may be read again'),
                );
              }
              if (failed >= 0) {
                st.failed = true;
                const reason = (results[failed] as PromiseRejectedResult).reason;
                log.warn(
                  { topic, partition, offset: group[failed]!.offset, err: String(reason) },
                  'a message failed after it was handed over: the consumer restarts from its last commit',
                );
                try {
                  c.pause([{ topic, partitions: [partition] }]);
                } catch {
                  // not running any more: the rebuild starts afresh anyway
                }
                needsRebuild = true;
              }
            });
          };
          const run = (async () => {
            try {
              for (const m of batch.messages) {
                if (closed || st.failed || !isRunning() || isStale()) break;
                const incoming: IncomingMessage = {
                  topic,
                  partition,
                  offset: m.offset,
                  key: m.key ? m.key.toString() : null,
                  value: m.value ? m.value.toString() : null,
                  headers: Object.fromEntries(
                    Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v ?? '')]),
                  ),
                  timestamp: m.timestamp,
                };
                if (handoff) {
                  // Handed on in event-time order across partitions; committed once handled and settled.
                  pending.push({ offset: m.offset, settled: handoff.enqueue(incoming, batch.highWatermark) });
                  resolveOffset(m.offset);
                  lastActivity = Date.now();
                  if (pending.length >= COMMIT_EVERY || Date.now() - lastCommit >= COMMIT_INTERVAL_MS) scheduleCommit();
                  await handoff.room();
                  await heartbeat();
                  continue;
                }
                busy = true;
                let accepted: Accepted | void;
                try {
                  accepted = await h(incoming);
                } finally {
                  busy = false;
                }
                if (accepted) accepted.settled.catch(() => undefined); // observed by the commit chain
                pending.push({ offset: m.offset, settled: accepted ? accepted.settled : Promise.resolve() });
                resolveOffset(m.offset);
                lastActivity = Date.now();
                if (pending.length >= COMMIT_EVERY || Date.now() - lastCommit >= COMMIT_INTERVAL_MS) scheduleCommit();
                await heartbeat();
              }
            } finally {
              // Also when the handler threw (that message is not resolved: kafkajs hands it over again).
              scheduleCommit();
            }
          })();
          // close() lets the batch stop after the current message and waits for its commits: a graceful stop
          // replays nothing.
          inFlight = run.then(
            () => st.chain,
            () => st.chain,
          );
          await run;
        },
      });

    // kafkajs can stop for good after a failed restart (e.g. the broker still unreachable when it retries):
    // a consumer silent for too long, told not to restart, or with a message that failed after it was handed
    // over (see eachBatch) is rebuilt with the same handler, as soon as the broker answers again (a rebuild while
    // it is away fails and only delays the next attempt); a failed rebuild is tried again shortly.
    let nextRebuildAt = 0;
    // Since when the broker answers the watchdog without a break (0: it did not, last time it asked).
    let answeringSince = 0;
    const watchdog = setInterval(() => {
      if (closed || !handler || rebuilding || busy) return;
      if (!needsRebuild && Date.now() - lastActivity < STALL_REBUILD_MS) return;
      if (Date.now() < nextRebuildAt) return;
      rebuilding = true;
      void (async () => {
        if (!(await this.brokerAnswers())) {
          answeringSince = 0;
          rebuilding = false;
          return;
        }
        if (answeringSince === 0) answeringSince = Date.now();
        if (Date.now() - answeringSince < BROKER_BACK_GRACE_MS || (!needsRebuild && Date.now() - lastActivity < STALL_REBUILD_MS)) {
          rebuilding = false;
          return;
        }
        const reason = needsRebuild ? 'crashed for good, or a message failed after it was handed over' : 'silent too long';
        log.warn({ silentMs: Date.now() - lastActivity, reason }, 'Kafka consumer rebuilt: it reads again from its last commit');
        try {
          await consumer.disconnect().catch(() => undefined);
          const next = await build();
          consumer = next;
          commits = new Map();
          needsRebuild = false;
          lastActivity = Date.now();
          if (handler) await start(next, handler);
          for (const [topic, partitions] of paused) next.pause([{ topic, ...(partitions ? { partitions } : {}) }]);
        } catch (err) {
          log.warn({ err: String(err) }, 'Kafka consumer rebuild failed; will retry');
          needsRebuild = true;
          nextRebuildAt = Date.now() + REBUILD_RETRY_MS;
        } finally {
          rebuilding = false;
        }
      })();
    }, 1000);
    watchdog.unref();

    const handle: MessageConsumer = {
      run: async (h: MessageHandler) => {
        handler = h;
        lastActivity = Date.now();
        await start(consumer, h);
      },
      joined: () => joinedOnce,
      pause: (topic, partitions) => {
        paused.set(topic, partitions);
        consumer.pause([{ topic, ...(partitions ? { partitions } : {}) }]);
      },
      resume: (topic, partitions) => {
        paused.delete(topic);
        consumer.resume([{ topic, ...(partitions ? { partitions } : {}) }]);
      },
      close: async () => {
        closed = true;
        clearInterval(watchdog);
        this.open.delete(handle);
        await inFlight;
        await handoff?.close();
        await Promise.all([...commits.values()].map((st) => st.chain));
        await consumer.disconnect();
      },
    };
    this.open.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    for (const h of [...this.open]) await h.close().catch(() => undefined);
    if (this.admin) await this.admin.disconnect().catch(() => undefined);
  }
}
