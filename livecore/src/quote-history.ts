/** One state of a code at the venue: its quote, and whether it trades. */
export interface QuoteState {
  price: number;
  prevClose?: number;
  ts: number;
  /** Traded volume of the update (0 for state changes that are not trades). */
  volume: number;
  suspended: boolean;
}

/** Updates kept per code: a trading day of one tick a second, with room. */
const KEPT = 20000;

/**
 * The recent states of each code in arrival order (per code that is event-time order: a code's updates come
 * from one partition). Lets the paper exchange match an order against the market as it was at the order's
 * event time, whether the order or the market data arrived first. An order older than what is kept matches
 * from the oldest state kept.
 */
export class QuoteHistory {
  private readonly byCode = new Map<string, QuoteState[]>();

  add(code: string, q: QuoteState): void {
    let list = this.byCode.get(code);
    if (!list) this.byCode.set(code, (list = []));
    list.push(q);
    if (list.length > KEPT) list.splice(0, list.length - KEPT);
  }

  latest(code: string): QuoteState | undefined {
    return this.byCode.get(code)?.at(-1);
  }

  /** The state in effect at `ts` (the last at or before it), or undefined when none is that old. */
  at(code: string, ts: number): QuoteState | undefined {
    const list = this.byCode.get(code) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.ts <= ts) return list[i];
    return undefined;
  }

  /** The states after `ts`, oldest first. */
  after(code: string, ts: number): QuoteState[] {
    const list = this.byCode.get(code) ?? [];
    let i = list.length;
    while (i > 0 && list[i - 1]!.ts > ts) i--;
    return list.slice(i);
  }
}
