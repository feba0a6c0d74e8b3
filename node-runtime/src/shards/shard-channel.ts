import type { Answer } from './shard-protocol.js';
import { errorText } from './shard-protocol.js';

/**
 * Messages to another thread, posted as one array per turn of the event loop: a burst of routed ticks costs
 * one postMessage (one structured clone) instead of one per tick, and the order of the items is kept.
 */
export class Outbox<T> {
  private items: T[] = [];
  private scheduled = false;

  constructor(private readonly post: (items: T[]) => void) {}

  push(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.post(items);
  }
}

/** Requests to the other thread waiting for their answers, by id. */
export class Requests {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  open<T>(): { id: number; answered: Promise<T> } {
    const id = this.next++;
    const answered = new Promise<T>((resolve, reject) =>
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }),
    );
    return { id, answered };
  }

  answer(a: Answer): void {
    const w = this.waiting.get(a.id);
    if (!w) return;
    this.waiting.delete(a.id);
    if (a.ok) w.resolve(a.value);
    else w.reject(new Error(a.error));
  }

  /** The other thread is gone: nothing will be answered. */
  failAll(err: unknown): void {
    for (const w of this.waiting.values()) w.reject(new Error(errorText(err)));
    this.waiting.clear();
  }
}

/** Runs `work` and turns its outcome into an answer to request `id`. */
export async function answerOf(id: number, work: () => Promise<unknown>): Promise<Answer> {
  try {
    const value = await work();
    return value === undefined ? { t: 'answer', id, ok: true } : { t: 'answer', id, ok: true, value };
  } catch (err) {
    return { t: 'answer', id, ok: false, error: errorText(err) };
  }
}
