import { minorToDecimal, type MarketDataMessage, type SubmitOrder } from '@ginkgo/contracts';
import {
  checkPrice,
  checkVolume,
  cnAShareMarket,
  instrumentRules,
  limitPricesFor,
  tradingDayOf,
  type Commission,
  type InstrumentRules,
  type MarketRules,
} from '@ginkgo/core';
import {
  BrokerUnavailableError,
  type BrokerAccount,
  type BrokerAdapter,
  type BrokerFill,
  type BrokerOrder,
  type BrokerReport,
  type CancelOutcome,
} from './broker-adapter.js';
import { QuoteHistory, type QuoteState } from './quote-history.js';
import { PaperAccounts } from './paper-accounts.js';
import { PaperOrderBook, type WorkingOrder } from './paper-orders.js';

// The backtest (@ginkgo/sdk) words broker reports as order events the way the gateway does.
export { orderEventOf } from './broker-adapter.js';

export interface PaperExchangeOptions {
  /** Venue rules (lots, limits, fees, T+n, reference data), the same data the engine uses; A shares by default. */
  rules?: MarketRules;
  /**
   * The broker commission of orders that carry none (an order carries its portfolio's); the market's default
   * when absent.
   */
  commission?: Commission;
  /** Delay between a request and the venue acting on it (acceptance, cancel), ms. 0 = at once. */
  latencyMs?: number;
  /** Largest volume per fill; smaller than the order volume gives partial fills (one fill per quote). */
  maxFillVolume?: number;
  /** Share (0..1] of each quote's traded volume an order may take; unset = no cap. */
  volumeParticipation?: number;
  /** Fill a marketable order at its own price on acceptance when no quote is known yet. */
  fillOnSubmit?: boolean;
  /** Cash (minor units) of an account the first time it is seen. */
  defaultCashMinor?: number;
  /** Accounts opened up front: cash and positions (sellable at once). */
  accounts?: Record<string, { cashMinor: number; positions?: Record<string, number> }>;
  /**
   * What an order is matched against. 'event-time' (default, deterministic): the market as it was at the
   * order's event time, then every later update in order, whatever arrived first at the venue; an order whose
   * code's data has not reached its time yet waits for it (not accepted before). A clean replay of one tape
   * gives the same fills every time. 'current-quote' (live realism): the quote the venue holds when the order
   * arrives, and the updates that arrive after it, so fills depend on how the order raced the market data.
   */
  matchAt?: 'event-time' | 'current-quote';
  /** Timer used for latency (tests may inject a manual one). */
  schedule?: (fn: () => void, ms: number) => void;
}

interface Quote {
  price: number;
  prevClose?: number;
  ts: number;
  suspended: boolean;
}

/**
 * A simulated venue for any market of core's data (A shares by default). Orders are checked the way an exchange and a broker would (lot size, price
 * limits, suspension, cash and T+1 sellable volume at the broker), then matched against the feed's
 * quotes: limit orders fill at the better of their price and the quote, one fill per quote when fills are
 * capped, nothing fills at a locked limit (buys at limit-up, sells at limit-down). Orders are day orders:
 * the close expires what is left. Fill ids derive from the client order id, so they are unique and stable.
 */
export class PaperExchange implements BrokerAdapter {
  readonly name = 'paper';
  private readonly rules: MarketRules;
  private listeners: ((r: BrokerReport) => void)[] = [];
  private readonly book: PaperOrderBook;
  private readonly quotes = new Map<string, Quote>();
  private readonly history = new QuoteHistory();
  private readonly accounts: PaperAccounts;
  private readonly timers = new Set<NodeJS.Timeout>();
  private reachable = true;
  private closed = false;

  constructor(private readonly opts: PaperExchangeOptions = {}) {
    this.rules = opts.rules ?? cnAShareMarket;
    this.book = new PaperOrderBook(this.rules, opts.commission ?? this.rules.defaultCommission);
    this.accounts = new PaperAccounts(this.rules, opts);
  }

  /** Simulates the broker link going down (submits and cancels throw) or coming back. */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  onReport(listener: (r: BrokerReport) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  private emit(r: BrokerReport): void {
    for (const l of this.listeners) l(r);
  }

  private later(fn: () => void): void {
    const ms = this.opts.latencyMs ?? 0;
    if (ms <= 0) return fn();
    if (this.opts.schedule) return this.opts.schedule(fn, ms);
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private ensureReachable(what: string): void {
    if (this.closed) throw new BrokerUnavailableError(this.name, `closed (${what})`);
    if (!this.reachable) throw new BrokerUnavailableError(this.name, `connection refused (${what})`);
  }

  async submit(order: SubmitOrder): Promise<void> {
    this.ensureReachable(`submit ${order.clientOrderId}`);
    if (this.book.has(order.clientOrderId)) return; // the venue ignores a re-sent order id
    const record: BrokerOrder = {
      clientOrderId: order.clientOrderId,
      brokerOrderId: `paper:${order.clientOrderId}`,
      account: order.portfolioId,
      code: order.code,
      side: order.side,
      price: order.price,
      volume: order.volume,
      filled: 0,
      status: 'open',
      fills: [],
    };
    const working = this.book.open(order, record);
    this.later(() => this.arrive(working));
  }

  private get eventTime(): boolean {
    return (this.opts.matchAt ?? 'event-time') === 'event-time';
  }

  /** Event-time matching holds an order back until its code's market data has reached the order's time. */
  private arrive(w: WorkingOrder): void {
    const latest = this.history.latest(w.order.code);
    if (this.eventTime && latest && latest.ts < w.order.ts) {
      w.waiting = true;
      return;
    }
    this.accept(w);
  }

  /** Orders of `code` (every code when undefined) waiting for market data up to `ts`: accepted now. */
  private release(code: string | undefined, ts: number): void {
    for (const w of this.book.openOf(code)) {
      if (w.waiting && w.record.status === 'open' && w.order.ts <= ts) this.accept(w);
    }
  }

  private accept(w: WorkingOrder): void {
    const { order, record } = w;
    w.waiting = false;
    const asOf = this.eventTime ? this.history.at(order.code, order.ts) : this.quotes.get(order.code);
    const refusal = this.check(w, asOf);
    if (refusal) {
      record.status = 'rejected';
      record.reason = refusal;
      this.emit({
        clientOrderId: order.clientOrderId,
        event: 'REJECTED',
        brokerOrderId: record.brokerOrderId,
        reason: refusal,
        ts: order.ts,
      });
      return;
    }
    this.emit({
      clientOrderId: order.clientOrderId,
      event: 'ACCEPTED',
      brokerOrderId: record.brokerOrderId,
      ts: order.ts,
    });
    const known = this.eventTime ? this.history.latest(order.code) : asOf;
    if (asOf && !asOf.suspended) this.match(w, asOf.price, 0, order.ts, asOf.prevClose);
    else if (!known && (this.opts.fillOnSubmit ?? true)) this.match(w, order.price, 0, order.ts);
    if (!this.eventTime) return;
    // What happened at the venue since the order's time, in order (it may have arrived late).
    for (const q of this.history.after(order.code, order.ts))
      if (!q.suspended) this.match(w, q.price, q.volume, q.ts, q.prevClose);
  }

  /** The exchange's rules for an order's code on its trading day (shared with the engine, from core). */
  private rulesFor(order: SubmitOrder): InstrumentRules {
    return instrumentRules(this.rules, order.code, tradingDayOf(this.rules, order.ts));
  }

  /**
   * Exchange and broker checks against `quote` (the market the order meets); a string is the rejection reason.
   * The exchange's checks are core's (`checkVolume`, `checkPrice`), the same the engine applies before sending,
   * so an order the engine lets out is never refused here for a market rule.
   */
  private check(w: WorkingOrder, quote: Quote | QuoteState | undefined): string | undefined {
    const { order } = w;
    if (quote?.suspended) return `${order.code} is suspended`;
    const rules = this.rulesFor(order);
    const account = this.accounts.at(order.portfolioId, order.ts);
    const holding = account.holdings.get(order.code) ?? { volume: 0, sellable: 0 };
    const freeToSell = holding.sellable - this.book.frozenSell(order.portfolioId, order.code, w);
    if (order.side === 'SELL' && order.volume > freeToSell)
      return `insufficient sellable volume: ${order.volume} asked, ${freeToSell} sellable (T+${rules.settlementLagDays})`;
    const pendingBuys = order.side === 'BUY' ? this.book.pendingBuys(order.portfolioId, order.code, w) : 0;
    const bad = checkVolume(rules, order.side, order.volume, {
      sellableBalance: freeToSell,
      boughtToday: (account.boughtToday.get(order.code) ?? 0) + pendingBuys,
    });
    if (bad)
      return bad.rule === 'suspended' || bad.rule === 'not-listed' || bad.rule === 'st-daily-buy-cap'
        ? `${bad.rule}: ${bad.message}`
        : `bad lot (${bad.rule}): ${bad.message}`;
    const limits = quote?.prevClose !== undefined ? limitPricesFor(rules, quote.prevClose) : null;
    if (order.orderType === 'LIMIT') {
      const badPrice = checkPrice(rules, order.price, quote?.prevClose);
      if (badPrice?.rule === 'price-limit' && limits) {
        return `price ${minorToDecimal(order.price)} outside the limit ${minorToDecimal(limits.down)}-${minorToDecimal(limits.up)} (${rules.limitNote})`;
      }
      if (badPrice) return `${badPrice.rule}: ${badPrice.message}`;
    }
    if (order.side === 'BUY') {
      w.reservePrice = order.orderType === 'MARKET' ? (limits?.up ?? quote?.price ?? order.price) : order.price;
      const need = this.book.reserve(w);
      const free = account.cash - this.book.frozenCash(order.portfolioId, w);
      if (need > free) return `insufficient cash: needs ${minorToDecimal(need)}, available ${minorToDecimal(free)}`;
    }
    return undefined;
  }

  async cancel(clientOrderId: string, ts: number, reason = 'cancel requested'): Promise<CancelOutcome> {
    this.ensureReachable(`cancel ${clientOrderId}`);
    const w = this.book.get(clientOrderId);
    if (!w) return { ok: false, reason: `order ${clientOrderId} unknown at the broker` };
    if (w.record.status !== 'open')
      return { ok: false, reason: `order ${clientOrderId} is already ${w.record.status}` };
    this.later(() => {
      if (w.record.status !== 'open') return; // filled while the cancel travelled
      w.record.status = 'cancelled';
      w.record.reason = reason;
      this.emit({
        clientOrderId,
        event: 'CANCELLED',
        brokerOrderId: w.record.brokerOrderId,
        reason: `${reason} (${w.record.filled}/${w.order.volume} filled)`.slice(0, 500),
        ts,
      });
    });
    return { ok: true };
  }

  /** Feed input: quotes drive matching; suspensions, dividends and the close change the venue's state. */
  onMarketData(m: MarketDataMessage): void {
    switch (m.type) {
      case 'price': {
        const q = this.quotes.get(m.code);
        const quote: Quote = { price: m.price, ts: m.ts, suspended: q?.suspended ?? false };
        const prevClose = m.prevClose ?? q?.prevClose;
        if (prevClose !== undefined) quote.prevClose = prevClose;
        this.quotes.set(m.code, quote);
        this.history.add(m.code, { ...quote, volume: m.volume });
        for (const w of this.book.openOf(m.code)) {
          // A report of an earlier order may have finished this one (a listener cancelling, no latency).
          if (w.record.status !== 'open') continue;
          // A waiting order is matched from its time up to and including this update.
          if (w.waiting) {
            if (m.ts >= w.order.ts) this.accept(w);
            continue;
          }
          // Event time: an update older than the order happened before it was placed.
          if (quote.suspended || (this.eventTime && m.ts < w.order.ts)) continue;
          this.match(w, m.price, m.volume, m.ts);
        }
        return;
      }
      case 'suspension': {
        const q = this.quotes.get(m.code);
        const next: Quote = {
          price: q?.price ?? 0,
          ts: m.ts,
          suspended: m.suspended,
          ...(q?.prevClose !== undefined ? { prevClose: q.prevClose } : {}),
        };
        this.quotes.set(m.code, next);
        this.history.add(m.code, { ...next, volume: 0 });
        this.release(m.code, m.ts);
        return;
      }
      case 'corporate-action':
        this.accounts.applyCorporateAction(m);
        return;
      case 'session':
        // Orders placed before the close are matched at their time before the close expires them.
        if (m.phase === 'close' || m.phase === 'settlement') {
          this.release(undefined, m.ts);
          this.expireAll(m.ts);
        }
        if (m.phase === 'settlement') {
          for (const [code, q] of this.quotes) {
            const next = { ...q, prevClose: q.price };
            this.quotes.set(code, next);
            this.history.add(code, { ...next, ts: Math.max(q.ts, m.ts), volume: 0 });
          }
        }
        return;
    }
  }

  /** Kept for callers that only have a price. */
  onPrice(code: string, price: number, ts: number): void {
    this.onMarketData({
      type: 'price',
      eventId: `${code}:${ts}`,
      ts,
      seq: 0,
      market: this.rules.id,
      code,
      kind: 'tick',
      price,
      volume: 0,
    });
  }

  private expireAll(ts: number): void {
    for (const w of this.book.all()) {
      if (w.record.status !== 'open' || w.waiting) continue;
      w.record.status = 'expired';
      this.emit({
        clientOrderId: w.order.clientOrderId,
        event: 'EXPIRED',
        brokerOrderId: w.record.brokerOrderId,
        reason: 'day order expired at the close',
        ts,
      });
    }
  }

  private match(
    w: WorkingOrder,
    price: number,
    quoteVolume: number,
    ts: number,
    prevClose = this.quotes.get(w.order.code)?.prevClose,
  ): void {
    const { order, record } = w;
    if (record.status !== 'open') return;
    const marketable =
      order.orderType === 'MARKET' || (order.side === 'BUY' ? price <= order.price : price >= order.price);
    if (!marketable) return;
    const rules = this.rulesFor(order);
    const limits = prevClose !== undefined ? limitPricesFor(rules, prevClose) : null;
    // A locked limit has no counterparty: nobody sells at limit-up, nobody buys at limit-down.
    if (limits && ((order.side === 'BUY' && price >= limits.up) || (order.side === 'SELL' && price <= limits.down)))
      return;
    const fillPrice =
      order.orderType === 'MARKET'
        ? price
        : order.side === 'BUY'
          ? Math.min(price, order.price)
          : Math.max(price, order.price);
    let volume = Math.min(order.volume - record.filled, this.opts.maxFillVolume ?? Number.MAX_SAFE_INTEGER);
    if (this.opts.volumeParticipation !== undefined && quoteVolume > 0) {
      const cap = Math.floor(quoteVolume * this.opts.volumeParticipation);
      const step = rules.lot?.step ?? 1;
      volume = Math.min(volume, Math.max(rules.lot?.min ?? 1, cap - (cap % step)));
    }
    if (volume <= 0) return;
    const account = this.accounts.at(order.portfolioId, ts);
    const amountBefore = w.filledAmount;
    w.filledAmount += fillPrice * volume;
    const fee = this.book.fee(w, w.filledAmount) - this.book.fee(w, amountBefore);
    w.feesCharged += fee;
    // T+1 markets: not sellable before the next trading day; T+0 markets: at once.
    this.accounts.bookFill(account, {
      code: order.code,
      side: order.side,
      volume,
      price: fillPrice,
      fee,
      settlementLagDays: rules.settlementLagDays,
    });
    record.filled += volume;
    const fill: BrokerFill = {
      fillId: `${order.clientOrderId}:f${record.fills.length + 1}`,
      volume,
      price: fillPrice,
      fee,
      ts,
    };
    record.fills.push(fill);
    const done = record.filled === order.volume;
    if (done) record.status = 'filled';
    this.emit({
      clientOrderId: order.clientOrderId,
      event: done ? 'FILLED' : 'PARTIALLY_FILLED',
      brokerOrderId: record.brokerOrderId,
      fillId: fill.fillId,
      fillVolume: volume,
      fillPrice,
      fillFee: fee,
      ts,
    });
  }

  async openOrders(): Promise<BrokerOrder[]> {
    this.ensureReachable('query open orders');
    return [...this.book.all()].filter((w) => w.record.status === 'open').map((w) => structuredClone(w.record));
  }

  async order(clientOrderId: string): Promise<BrokerOrder | undefined> {
    this.ensureReachable('query order');
    const w = this.book.get(clientOrderId);
    return w ? structuredClone(w.record) : undefined;
  }

  async account(id: string): Promise<BrokerAccount> {
    this.ensureReachable('query account');
    return this.accounts.view(id, () => this.book.frozenCash(id));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
