import type { Admin } from 'kafkajs';
import type { Accepted, IncomingMessage, MessageHandler } from './message-bus.js';
import { EventTimeMerge } from './event-time-merge.js';
import type { Logger } from './logger.js';

/** Waiting messages past which the fetch loop waits for the handler (backpressure). */
const ROOM = 2000;
/** Waiting messages past which the merge hands on even while a partition is unknown (memory bound). */
const HARD_LIMIT = 50000;

interface Waiting {
  message: IncomingMessage;
  settled: Promise<void>;
  settle: (accepted: Accepted | void) => void;
  fail: (err: unknown) => void;
}

function waiting(message: IncomingMessage): Waiting {
  let settle!: (a: Accepted | void) => void;
  let fail!: (err: unknown) => void;
  const settled = new Promise<void>((resolve, reject) => {
    settle = (a) => {
      if (a) void a.settled.then(resolve, reject);
      else resolve();
    };
    fail = reject;
  });
  settled.catch(() => undefined); // observed by the commit chain
  return { message, settled, settle, fail };
}

/**
 * Between a consumer's fetch loop and its handler: fetched messages are queued per topic and handed to the
 * handler one at a time in event-time order across partitions (EventTimeMerge). The fetch loop does not wait
 * for the handler (it must fetch the other partitions to know what is older); what it commits waits for each
 * message's `settled`, which resolves once the handler took the message and its own `settled` resolved, so
 * offsets are still committed per partition, in order, only after the effects.
 */
export class OrderedHandoff {
  private readonly merges = new Map<string, EventTimeMerge<Waiting>>();
  /** Re-deliveries of messages handed on already: handled again at once (the handler skips what it applied). */
  private readonly again: Waiting[] = [];
  private pumping?: Promise<void>;
  private roomWaiters: (() => void)[] = [];
  private closed = false;
  private forcedWarned = false;
  private generation = 0;

  constructor(
    private readonly opts: {
      eventTime: (m: IncomingMessage) => number | undefined;
      handler: () => MessageHandler | undefined;
      /** Around each handler call (the consumer's watchdog must not rebuild under a running handler). */
      busy: (busy: boolean) => void;
      logger: Logger;
    },
  ) {}

  private merge(topic: string): EventTimeMerge<Waiting> {
    let m = this.merges.get(topic);
    if (!m) this.merges.set(topic, (m = new EventTimeMerge<Waiting>()));
    return m;
  }

  /** A join: the partitions now read, none known to be at its end yet. Returns the join's generation. */
  assign(assignment: Record<string, number[]>): number {
    for (const [topic, partitions] of Object.entries(assignment)) this.merge(topic).assign(partitions);
    return ++this.generation;
  }

  /** What a look at the committed offsets found at join `generation`: nothing to read before `end`. */
  readTo(generation: number, topic: string, partition: number, end: bigint): void {
    if (generation !== this.generation) return;
    this.merge(topic).readTo(partition, end);
    void this.pump();
  }

  /** Every batch of the last fetch answer was queued (the consumer starts its next fetch). */
  sealRound(): void {
    for (const m of this.merges.values()) m.seal();
    void this.pump();
  }

  /** Queues a fetched message; the promise settles once it was handled (and its effects settled). */
  enqueue(message: IncomingMessage, highWatermark: string): Promise<void> {
    const w = waiting(message);
    const item = this.merge(message.topic).push(
      message.partition,
      BigInt(message.offset),
      this.opts.eventTime(message),
      w,
      BigInt(highWatermark),
    );
    if (!item) this.again.push(w);
    else if (item.value !== w) return item.value.settled;
    void this.pump();
    return w.settled;
  }

  /** Waits while many messages wait and the handler is taking them (backpressure for the fetch loop). */
  async room(): Promise<void> {
    while (!this.closed && this.pumping && this.size() >= ROOM)
      await new Promise<void>((r) => this.roomWaiters.push(r));
  }

  private size(): number {
    let n = this.again.length;
    for (const m of this.merges.values()) n += m.size;
    return n;
  }

  private next(): Waiting | undefined {
    const again = this.again.shift();
    if (again) return again;
    const force = this.size() > HARD_LIMIT;
    for (const m of this.merges.values()) {
      const item = m.next(force);
      if (!item) continue;
      if (force && !this.forcedWarned) {
        this.forcedWarned = true;
        this.opts.logger.warn(
          { waiting: this.size() },
          'a partition stays unknown: messages handed on without waiting for it (event-time order may break)',
        );
      }
      return item.value;
    }
    return undefined;
  }

  private wake(): void {
    const w = this.roomWaiters;
    this.roomWaiters = [];
    for (const r of w) r();
  }

  private pump(): Promise<void> {
    if (this.pumping) return this.pumping;
    // Set before the loop runs: a loop that finds nothing to hand on ends synchronously.
    let done!: () => void;
    this.pumping = new Promise<void>((r) => (done = r));
    const running = this.pumping;
    void (async () => {
      try {
        for (let w = this.next(); w && !this.closed; w = this.next()) {
          const handler = this.opts.handler();
          if (!handler) {
            w.fail(new Error('no handler'));
            continue;
          }
          this.opts.busy(true);
          try {
            w.settle(await handler(w.message));
          } catch (err) {
            w.fail(err);
            // Nothing later of that partition may go before it: they are fetched again after the rebuild.
            const reason = new Error(`an earlier message of ${w.message.topic}:${w.message.partition} failed`);
            for (const later of this.merge(w.message.topic).drain(w.message.partition)) later.value.fail(reason);
          } finally {
            this.opts.busy(false);
          }
          this.wake();
        }
      } finally {
        this.pumping = undefined;
        done();
        this.wake();
      }
    })();
    return running;
  }

  /** Stops handing on: the running handler call finishes, waiting messages fail (their offsets stay uncommitted). */
  async close(): Promise<void> {
    this.closed = true;
    await this.pumping;
    const reason = new Error('consumer closed before the message was handled');
    for (const w of this.again.splice(0)) w.fail(reason);
    for (const m of this.merges.values()) for (const item of m.drain()) item.value.fail(reason);
    this.wake();
  }
}

/**
 * At a join, the partitions with nothing to read (start position at the log end): the ordered hand-off need
 * not wait for a batch of theirs. Retried while the broker is unreachable and the join is the current one.
 */
export async function probeEndsAtJoin(
  admin: () => Promise<Admin>,
  groupId: string,
  assignment: Record<string, number[]>,
  startEnds: Map<string, { partition: number; offset: string }[]>,
  fromBeginning: boolean,
  report: (topic: string, partition: number, end: bigint) => void,
  current: () => boolean,
  log: Logger,
): Promise<void> {
  for (let attempt = 0; current(); attempt++) {
    try {
      const a = await admin();
      for (const [topic, partitions] of Object.entries(assignment)) {
        const [committed] = await a.fetchOffsets({ groupId, topics: [topic] });
        const ends = await a.fetchTopicOffsets(topic);
        const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        const noted = new Map((startEnds.get(topic) ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        for (const e of ends) {
          if (!partitions.includes(e.partition)) continue;
          const c = at.get(e.partition) ?? -1n;
          const start = c >= 0n ? c : (noted.get(e.partition) ?? (fromBeginning ? BigInt(e.low) : BigInt(e.high)));
          if (start >= BigInt(e.high)) report(topic, e.partition, BigInt(e.high));
        }
      }
      return;
    } catch (err) {
      if (attempt === 0) log.debug({ err }, 'log ends at the join not known yet: retrying');
      await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)).unref());
    }
  }
}
