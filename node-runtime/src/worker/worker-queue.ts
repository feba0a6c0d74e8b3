import type { EngineEvent } from '@ginkgo/core';
import { BoundedQueue } from './bounded-queue.js';
import { samePartition, type InputPosition } from './input-position.js';
import type { CancelRequestInput } from './order-interventions.js';

/** An input event waiting for the worker; `done` settles it once its effects are durable. */
export type EventItem = {
  kind: 'event';
  event: EngineEvent;
  position: InputPosition | undefined;
  done: () => void;
  failed: (err: unknown) => void;
};

/** Events and the control items that must act in order with them. */
export type QueueItem =
  | EventItem
  | { kind: 'halt'; halted: boolean; done: () => void; failed: (err: unknown) => void }
  | { kind: 'interest'; codes: string[]; done: () => void; failed: (err: unknown) => void }
  | { kind: 'cancel'; requests: CancelRequestInput[]; done: (message: string) => void; failed: (err: unknown) => void }
  | { kind: 'checkpoint'; done: () => void; failed: (err: unknown) => void };

/**
 * The worker's inbox: one bounded FIFO for events and control items, so a control item acts on exactly the
 * events queued before it. A price tick arriving at a full queue may replace an older one (conflation).
 */
export class WorkerQueue {
  private readonly items: BoundedQueue<QueueItem>;

  constructor(
    capacity: number,
    private readonly onConflated: () => void,
  ) {
    this.items = new BoundedQueue(capacity);
  }

  get size(): number {
    return this.items.size;
  }

  get full(): boolean {
    return this.items.full;
  }

  /**
   * Queues an event: `admitted` resolves once it is in the queue (waits while the queue is full), `settled`
   * once the worker calls its `done`. A price tick arriving at a full queue replaces the queued, not yet
   * handled tick of the same code and partition — only the latest price per code matters to a strategy — and
   * the replaced one is settled at once. Order events, fills and session events are never dropped or replaced.
   */
  enqueue(event: EngineEvent, position?: InputPosition): { admitted: Promise<void>; settled: Promise<void> } {
    let done!: () => void;
    let failed!: (err: unknown) => void;
    const settled = new Promise<void>((resolve, reject) => {
      done = resolve;
      failed = reject;
    });
    const item: EventItem = { kind: 'event', event, position, done, failed };
    if (this.items.full && event.type === 'price') {
      const replaced = this.items.replaceLast(
        (q) =>
          q.kind === 'event' &&
          q.event.type === 'price' &&
          q.event.code === event.code &&
          samePartition(q.position, position),
        item,
      );
      if (replaced && replaced.kind === 'event') {
        this.onConflated();
        replaced.done();
        return { admitted: Promise.resolve(), settled };
      }
    }
    const admitted = this.items.push(item);
    admitted.catch(failed);
    return { admitted: admitted.catch(() => undefined), settled };
  }

  /** Queues a control item behind the events already queued; resolves once the worker has applied it. */
  control<T = void>(item: (done: (value: T) => void, failed: (err: unknown) => void) => QueueItem): Promise<T> {
    return new Promise<T>((done, failed) => {
      this.items.push(item(done, failed)).catch(failed);
    });
  }

  /** Next item, or undefined once closed and drained. */
  take(): Promise<QueueItem | undefined> {
    return this.items.take();
  }

  /** The next item take() would return, left in the queue. */
  peek(): QueueItem | undefined {
    return this.items.peek();
  }

  /** Takes every queued event out (control items stay, in order), for refusal after a failed effect. */
  removeEvents(): EventItem[] {
    return this.items.removeWhere((q) => q.kind === 'event') as EventItem[];
  }

  /** No more items; take() drains what is left. */
  close(): void {
    this.items.close();
  }
}
