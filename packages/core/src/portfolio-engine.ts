import {
  decimalToMinor,
  type CorporateAction,
  type OrderEvent,
  type PortfolioSpec,
  type PriceUpdate,
  type SessionEvent,
  type SuspensionEvent,
} from '@ginkgo/contracts';
import type { ComponentContext, OrderInfo, PortfolioReader, PositionInfo } from './component-api.js';
import { ComponentRegistry, type BuiltComponents } from './component-registry.js';
import { createDefaultRegistry } from './default-registry.js';
import { DedupeWindow } from './dedupe-window.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './engine-config.js';
import { isInSession, tradingDayOf, tradingMsBetween } from './market-clock.js';
import { checkTradable, instrumentRules, limitPrices, marketById, type MarketRules, type RuleViolation } from './market-rules.js';
import { cutVolume, finalCheck, largestAffordableBuy, portfolioCommission, sizeBuy, sizeSell, type Sized } from './order-gate.js';
import { DailyBuys } from './daily-buys.js';
import { divRound, mulDiv } from './money.js';
import { OrderBook, type OrderRecord } from './order-book.js';
import { PositionBook } from './position-book.js';
import type { EquityPoint, SettlementPosition, SettlementRecord } from './settlement.js';
import { applyRiskOverride, resolveConflicts, SignalRateLimiter, type SignalDrop } from './signal-pipeline.js';
import { SNAPSHOT_VERSION, type PortfolioSnapshot, type QuoteState } from './snapshot.js';
import type { Alert, AlertCode, CancelIntent, EngineEvent, HandleResult, JsonObject, Signal, SignalDraft } from './types.js';

export interface PortfolioEngineOptions {
  portfolioId: string;
  /** A parsed PortfolioSpec (defaults applied). */
  spec: PortfolioSpec;
  registry?: ComponentRegistry;
  market?: MarketRules;
  config?: Partial<EngineConfig>;
}

export interface RestoreOptions extends Omit<PortfolioEngineOptions, 'portfolioId'> {
  snapshot: PortfolioSnapshot;
}

/** Optional per-call context: a reference time lets the caller's clock judge future/stale data. */
export interface HandleContext {
  now?: number;
}

export interface PositionView {
  code: string;
  volume: number;
  sellable: number;
  availableToSell: number;
  avgCostMinor: number;
  costMinor: number;
  lastPrice: number;
  marketValue: number;
  unrealizedPnl: number;
  suspended: boolean;
}

export interface OpenOrderView {
  clientOrderId: string;
  code: string;
  side: 'BUY' | 'SELL';
  orderType: 'LIMIT' | 'MARKET';
  price: number;
  volume: number;
  filled: number;
  status: OrderRecord['status'];
  submittedTs: number;
}

export interface PortfolioView {
  portfolioId: string;
  market: string;
  currency: string;
  cash: number;
  frozenCash: number;
  availableCash: number;
  equity: number;
  realizedPnl: number;
  unrealizedPnl: number;
  feesPaid: number;
  dividends: number;
  positions: PositionView[];
  openOrders: OpenOrderView[];
  lastEventTs: number | null;
  tradingDay: string | null;
  /** False after the close/settlement (until the next open) or when the spec says Stopped. */
  running: boolean;
  clockPaused: boolean;
  staleCodes: string[];
  suspendedCodes: string[];
}

export interface CancelRefusal {
  clientOrderId: string;
  error: string;
}

/**
 * One portfolio: consumes market and order events in order and returns what to send. Pure and
 * deterministic: no clock, no randomness, no I/O; all state is in the snapshot.
 */
export class PortfolioEngine {
  readonly portfolioId: string;
  readonly market: MarketRules;
  readonly config: EngineConfig;
  private spec: PortfolioSpec;
  private readonly components: BuiltComponents;
  private readonly interested: Set<string>;
  private readonly reader: PortfolioReader;

  private book: PositionBook;
  private orders: OrderBook;
  private seq = 0;
  private seen: DedupeWindow;
  private readonly quotes = new Map<string, QuoteState>();
  private highWater: number | undefined;
  private clockPausedUntil: number | undefined;
  private firstTs: number | undefined;
  private lastEventTs: number | undefined;
  private lastFreshnessCheck: number | undefined;
  private readonly staleCodes = new Set<string>();
  private readonly suspended = new Set<string>();
  private rateLimiter: SignalRateLimiter;
  private dailyBuys = new DailyBuys();
  private closedDay: string | undefined;
  private tradingDay: string | undefined;
  private settledDays: string[] = [];
  private dayStart = { equity: 0, realizedPnl: 0, feesPaid: 0 };
  private equityCurve: EquityPoint[] = [];
  private states: { strategy: JsonObject; risks: JsonObject[]; sizer: JsonObject };
  /** Alerts raised by components during the current call. */
  private pendingAlerts: Alert[] = [];
  private currentTs = 0;

  private constructor(opts: PortfolioEngineOptions) {
    this.portfolioId = opts.portfolioId;
    this.spec = opts.spec;
    this.market = opts.market ?? marketById(opts.spec.market);
    if (this.market.id !== opts.spec.market) {
      throw new Error(`spec.market: portfolio is for market "${opts.spec.market}" but the engine was given rules for "${this.market.id}"`);
    }
    this.config = { ...DEFAULT_ENGINE_CONFIG, ...opts.config };
    this.components = (opts.registry ?? createDefaultRegistry()).build(opts.spec);
    this.interested = new Set(opts.spec.interestedCodes);
    const initialCash = decimalToMinor(opts.spec.initialCash);
    this.book = new PositionBook(initialCash);
    this.orders = new OrderBook(this.book, this.market, portfolioCommission(this.market, opts.spec));
    this.dayStart = { equity: initialCash, realizedPnl: 0, feesPaid: 0 };
    this.seen = new DedupeWindow(this.config.dedupeWindow);
    this.rateLimiter = new SignalRateLimiter(this.config.minSignalIntervalMs);
    this.states = { strategy: {}, risks: this.components.risks.map(() => ({})), sizer: {} };
    this.reader = this.makeReader();
  }

  static create(opts: PortfolioEngineOptions): PortfolioEngine {
    return new PortfolioEngine(opts);
  }

  // ---------------------------------------------------------------- events

  handle(event: EngineEvent, ctx: HandleContext = {}): HandleResult {
    const out: HandleResult = { orders: [], cancels: [], signals: [], dropped: [], alerts: [] };
    this.pendingAlerts = out.alerts;
    this.currentTs = event.ts;
    if (this.seen.has(event.eventId)) {
      out.dropped.push({ eventId: event.eventId, reason: 'duplicate event id' });
      return out;
    }
    this.seen.add(event.eventId);
    let accepted: boolean;
    switch (event.type) {
      case 'price':
        accepted = this.onPrice(event, ctx, out);
        break;
      case 'order':
        accepted = this.onOrderEvent(event, out);
        break;
      case 'corporate-action':
        accepted = this.onCorporateAction(event, out);
        break;
      case 'suspension':
        accepted = this.onSuspension(event, out);
        break;
      case 'session':
        accepted = this.onSession(event, out);
        break;
    }
    if (accepted && (this.lastEventTs === undefined || event.ts > this.lastEventTs)) {
      this.lastEventTs = event.ts;
      this.timeoutsInto(event.ts, out);
    }
    this.orders.prune(this.config.finishedOrdersKept);
    return out;
  }

  private drop(out: HandleResult, eventId: string, reason: string, code?: string): false {
    out.dropped.push(code === undefined ? { eventId, reason } : { eventId, reason, code });
    return false;
  }

  private alert(code: AlertCode, message: string, subject?: string): void {
    const a: Alert = { code, message, ts: this.currentTs };
    if (subject !== undefined) a.subject = subject;
    this.pendingAlerts.push(a);
  }

  /** Input validation for a price update; returns false when the event is dropped. */
  private validatePrice(e: PriceUpdate, ctx: HandleContext, out: HandleResult): boolean {
    const id = e.eventId;
    if (!Number.isSafeInteger(e.price) || e.price <= 0) {
      this.alert('ABNORMAL_PRICE', `${e.code}: price ${e.price} <= 0`, e.code);
      return this.drop(out, id, `invalid price ${e.price}: must be > 0`, e.code);
    }
    if (e.market !== this.spec.market) return this.drop(out, id, `market ${e.market} is not ${this.spec.market}`, e.code);
    if (!this.interested.has(e.code)) return this.drop(out, id, `${e.code} is not in the interest set`, e.code);
    if (ctx.now !== undefined && e.ts > ctx.now + this.config.futureToleranceMs) {
      this.alert('FUTURE_TIMESTAMP', `${e.code}: ts ${e.ts} is ${e.ts - ctx.now} ms ahead of the reference time`, e.code);
      return this.drop(out, id, `future timestamp: ${e.ts - ctx.now} ms ahead of the reference time`, e.code);
    }
    if (this.highWater !== undefined && e.ts > this.highWater + this.config.maxForwardJumpMs) {
      this.alert('FUTURE_TIMESTAMP', `${e.code}: ts ${e.ts} is ${e.ts - this.highWater} ms beyond the last event time`, e.code);
      return this.drop(out, id, `future timestamp: ${e.ts - this.highWater} ms beyond the last event time`, e.code);
    }
    if (this.clockPausedUntil !== undefined) {
      if (e.ts < this.clockPausedUntil) return this.drop(out, id, `paused: clock went backwards, waiting for ${this.clockPausedUntil}`, e.code);
      this.clockPausedUntil = undefined;
      this.alert('CLOCK_RESUMED', `event time reached ${e.ts}; processing resumed`);
    } else if (this.highWater !== undefined && e.ts < this.highWater - this.config.clockBackwardsToleranceMs) {
      this.clockPausedUntil = this.highWater;
      this.alert('CLOCK_BACKWARDS', `event time went back ${this.highWater - e.ts} ms (from ${this.highWater} to ${e.ts}); price processing paused`);
      return this.drop(out, id, `clock went backwards by ${this.highWater - e.ts} ms`, e.code);
    }
    const q = this.quotes.get(e.code);
    if (q && e.ts < q.ts) return this.drop(out, id, `out of order: ${e.ts} < last ${q.ts} for ${e.code}`, e.code);
    if (this.config.enforceSessions && !isInSession(this.market, e.ts)) return this.drop(out, id, 'outside trading sessions', e.code);
    if (this.suspended.has(e.code)) return this.drop(out, id, `${e.code} is suspended`, e.code);
    const base = e.prevClose ?? q?.prevClose ?? q?.price;
    if (base !== undefined) {
      const lim = limitPrices(this.market, e.code, base, tradingDayOf(this.market, e.ts));
      if (lim && (e.price > lim.up || e.price < lim.down)) {
        this.alert('ABNORMAL_PRICE', `${e.code}: price ${e.price} outside the limits [${lim.down}, ${lim.up}] from base ${base}`, e.code);
        return this.drop(out, id, `abnormal price: ${e.price} jumps beyond the price limit [${lim.down}, ${lim.up}]`, e.code);
      }
    }
    return true;
  }

  private onPrice(e: PriceUpdate, ctx: HandleContext, out: HandleResult): boolean {
    if (!this.validatePrice(e, ctx, out)) return false;
    const q = this.quotes.get(e.code);
    const prevClose = e.prevClose ?? q?.prevClose;
    const next: QuoteState = prevClose === undefined ? { price: e.price, ts: e.ts } : { price: e.price, ts: e.ts, prevClose };
    this.quotes.set(e.code, next);
    if (this.highWater === undefined || e.ts > this.highWater) this.highWater = e.ts;
    if (this.firstTs === undefined) this.firstTs = e.ts;
    const day = tradingDayOf(this.market, e.ts);
    this.tradingDay = day;
    // A new trading day re-opens trading even if no explicit "open" session event arrived.
    if (this.closedDay !== undefined && day > this.closedDay) this.closedDay = undefined;
    if (this.staleCodes.delete(e.code)) this.alert('MISSING_DATA', `${e.code}: data resumed`, e.code);
    this.freshnessInto(e.ts);
    if (!this.running()) return true;
    this.runPipeline(e, ctx, out);
    return true;
  }

  private running(): boolean {
    return this.spec.desiredState === 'Running' && this.closedDay === undefined;
  }

  private ctxFor(state: JsonObject): ComponentContext {
    return { state, alert: (code, message, subject) => this.alert(code, message, subject) };
  }

  private toSignal(d: SignalDraft, e: PriceUpdate, origin: Signal['origin'], source: string, now: number | undefined): Signal {
    const s: Signal = { portfolioId: this.portfolioId, code: d.code, direction: d.direction, reason: d.reason, ts: e.ts, eventId: e.eventId, origin, source };
    if (d.volume !== undefined) s.volume = d.volume;
    if (now !== undefined) s.latencyMs = now - e.ts;
    return s;
  }

  private runPipeline(e: PriceUpdate, ctx: HandleContext, out: HandleResult): void {
    const view = this.reader;
    // Active risk first; every risk manager sees every price (state such as "last price" stays current).
    const riskSignals: Signal[] = [];
    const risks = this.components.risks;
    for (let i = 0; i < risks.length; i++) {
      const r = risks[i]!;
      if (!r.impl.onPrice) continue;
      for (const d of r.impl.onPrice(view, e, this.ctxFor(this.states.risks[i]!))) riskSignals.push(this.toSignal(d, e, 'risk', r.name, ctx.now));
    }
    // The strategy always runs so that its indicators keep up, even when risk overrides its signals.
    const strategySignals: Signal[] = [];
    const strat = this.components.strategy;
    for (const d of strat.impl.onPrice(view, e, this.ctxFor(this.states.strategy))) strategySignals.push(this.toSignal(d, e, 'strategy', strat.name, ctx.now));
    if (riskSignals.length === 0 && strategySignals.length === 0) return;
    for (const s of riskSignals) out.signals.push(s);
    for (const s of strategySignals) out.signals.push(s);

    const dropSignal = (d: SignalDrop) => out.dropped.push({ eventId: d.signal.eventId, reason: `${d.signal.direction} ${d.signal.code} (${d.signal.source}): ${d.reason}`, code: d.signal.code });
    const overridden = applyRiskOverride(riskSignals, strategySignals);
    overridden.dropped.forEach(dropSignal);
    const resolved = resolveConflicts(overridden.kept);
    resolved.dropped.forEach(dropSignal);

    const reference = ctx.now ?? this.highWater ?? e.ts;
    for (const s of resolved.kept) {
      if (this.staleCodes.has(s.code)) {
        dropSignal({ signal: s, reason: `missing data for ${s.code}: strategy skipped` });
        continue;
      }
      const age = reference - s.ts;
      if (age > this.config.staleSignalMs) {
        dropSignal({ signal: s, reason: `stale signal: data is ${age} ms old (limit ${this.config.staleSignalMs} ms)` });
        continue;
      }
      // Risk-origin signals (stop loss, ...) are never rate limited.
      if (s.origin === 'strategy' && !this.rateLimiter.allow(s.code, s.ts)) {
        dropSignal({ signal: s, reason: `rate limited: less than ${this.config.minSignalIntervalMs} ms since the last signal on ${s.code}` });
        continue;
      }
      const result = this.signalToOrder(s);
      if (typeof result === 'string') dropSignal({ signal: s, reason: result });
      else out.orders.push(result);
    }
  }

  /** An order the exchange would reject: refused here with the rule's name, nothing frozen. */
  private refuse(s: Signal, v: RuleViolation): string {
    this.alert('ORDER_REFUSED', `${s.direction} ${s.code} refused by market rule ${v.rule}: ${v.message}`, s.code);
    return `refused by market rule ${v.rule}: ${v.message}`;
  }

  /** Shares of a code bought today: filled plus what open buy orders still ask for. */
  private boughtToday(code: string, day: string): number {
    let n = this.dailyBuys.filled(day, code);
    for (const o of this.orders.open()) if (o.code === code && o.side === 'BUY') n += o.volume - o.filled;
    return n;
  }

  /** Sizing, passive risk, the exchange's rules of the day and the cash check; the order intent or why there is none. */
  private signalToOrder(s: Signal): HandleResult['orders'][number] | string {
    const view = this.reader;
    if (this.suspended.has(s.code)) return `${s.code} is suspended`;
    const quote = this.quotes.get(s.code);
    const price = quote?.price;
    if (price === undefined) return `no price for ${s.code}`;
    const day = tradingDayOf(this.market, s.ts);
    const rules = instrumentRules(this.market, s.code, day);
    const blocked = checkTradable(rules);
    if (blocked) return this.refuse(s, blocked);
    const side = s.direction === 'LONG' ? 'BUY' : 'SELL';
    const bought = side === 'BUY' ? this.boughtToday(s.code, day) : 0;
    let available = 0;
    let sized: Sized;
    const notes: string[] = [];
    if (side === 'BUY') {
      if (this.orders.hasOpen(s.code, 'BUY')) return `a buy order for ${s.code} is already open`;
      sized = sizeBuy(rules, s.volume, () => this.components.sizer.impl.size(view, s, price, this.ctxFor(this.states.sizer)), bought);
    } else {
      const pos = this.book.position(s.code);
      if (!pos || pos.volume === 0) return `no position in ${s.code} to close`;
      available = this.book.availableToSell(s.code);
      if (available === 0) {
        return pos.frozenSell > 0 ? `a sell order for ${s.code} is already open` : `nothing sellable in ${s.code} (T+1: ${pos.volume} held, 0 sellable)`;
      }
      sized = sizeSell(rules, s.volume, available);
    }
    if ('refusal' in sized) return this.refuse(s, sized.refusal);
    if ('reason' in sized) return sized.reason;
    let volume = sized.volume;
    const risks = this.components.risks;
    for (let i = 0; i < risks.length; i++) {
      const r = risks[i]!;
      if (!r.impl.check) continue;
      const d = r.impl.check(view, { code: s.code, side, price, volume, signal: s }, this.ctxFor(this.states.risks[i]!));
      if (d.action === 'block') {
        this.alert('RISK', `${r.name} blocked ${side} ${volume} ${s.code}: ${d.reason}`, s.code);
        return `blocked by ${r.name}: ${d.reason}`;
      }
      if (d.action === 'cut') {
        const cut = cutVolume(rules, side, Math.min(volume, d.volume), available);
        if (cut <= 0) return `blocked by ${r.name}: ${d.reason}`;
        if (cut < volume) {
          this.alert('RISK', `${r.name} cut ${side} ${s.code} from ${volume} to ${cut}: ${d.reason}`, s.code);
          notes.push(`${r.name}: ${volume} -> ${cut}`);
          volume = cut;
        }
      }
    }
    // Cash check with fees (always on): cut to what the available cash pays for, or refuse.
    const cash = this.book.availableCash;
    const cost = (v: number) => this.orders.cashToFreeze(side, price, v, s.ts);
    if (cost(volume) > cash) {
      if (side === 'SELL') return `insufficient cash for the fees of selling ${volume} ${s.code}`;
      const v = largestAffordableBuy(rules, price, cash, cost);
      if (v <= 0) return `insufficient cash: ${cost(volume)} needed for ${volume} ${s.code}, ${cash} available`;
      this.alert('RISK', `cash check cut BUY ${s.code} from ${volume} to ${v} (fees included)`, s.code);
      notes.push(`cash: ${volume} -> ${v}`);
      volume = v;
    }
    const prevClose = quote?.prevClose;
    const last = finalCheck(rules, { side, price, volume }, { ...(prevClose !== undefined ? { prevClose } : {}), sellableBalance: available, boughtToday: bought });
    if (last) return this.refuse(s, last);
    this.seq += 1;
    const clientOrderId = `${this.portfolioId}-${this.seq}`;
    const reason = (notes.length ? `${s.reason} [${notes.join('; ')}]` : s.reason).slice(0, 500);
    this.orders.submit({ clientOrderId, code: s.code, side, orderType: 'LIMIT', price, volume, submittedTs: s.ts, reason });
    return { portfolioId: this.portfolioId, clientOrderId, market: this.spec.market, code: s.code, side, orderType: 'LIMIT', price, volume, ts: s.ts, reason };
  }

  private onOrderEvent(e: OrderEvent, out: HandleResult): boolean {
    if (e.portfolioId !== this.portfolioId) return this.drop(out, e.eventId, `order event for portfolio ${e.portfolioId}`);
    const r = this.orders.apply(e);
    if (!r.ok) {
      if (r.alert) this.alert(r.alert, `${e.clientOrderId}: ${r.reason}`, e.clientOrderId);
      return this.drop(out, e.eventId, r.reason, r.order?.code);
    }
    const o = r.order;
    if (r.fill && o.side === 'BUY') this.dailyBuys.add(tradingDayOf(this.market, o.submittedTs), o.code, r.fill.volume);
    if (e.event === 'REJECTED') this.alert('ORDER_REJECTED', `${o.clientOrderId} rejected: ${e.reason ?? 'no reason given'}`, o.clientOrderId);
    if (r.fill && o.side === 'BUY' && o.price < r.fill.price) {
      this.alert('FILL_OUTSIDE_LIMIT', `${o.clientOrderId} bought at ${r.fill.price} above its limit ${o.price}`, o.clientOrderId);
    }
    const notify = this.components.strategy.impl.onOrderUpdate;
    if (notify) {
      const update: Parameters<typeof notify>[1] = { clientOrderId: o.clientOrderId, code: o.code, side: o.side, status: o.status, filled: o.filled, volume: o.volume };
      if (r.fill) Object.assign(update, { fillVolume: r.fill.volume, fillPrice: r.fill.price });
      notify(this.reader, update, this.ctxFor(this.states.strategy));
    }
    return true;
  }

  private onCorporateAction(e: CorporateAction, out: HandleResult): boolean {
    if (e.market !== this.spec.market) return this.drop(out, e.eventId, `market ${e.market} is not ${this.spec.market}`, e.code);
    // Corporate actions take effect before the open, when no day order can be live; say so if one is.
    const live = this.orders.open().filter((o) => o.code === e.code).map((o) => o.clientOrderId);
    if (live.length) this.alert('CORPORATE_ACTION', `${e.code}: open orders ${live.join(', ')} predate the adjustment; check them with the broker`, e.code);
    const credited = this.book.dividend(e.code, e.cashPerShareMinor);
    const split = this.book.split(e.code, e.splitNumerator, e.splitDenominator);
    // Ex-rights reference price, so that price limits and market value follow the adjustment.
    const adjust = (p: number) => Math.max(1, mulDiv(Math.max(0, p - e.cashPerShareMinor), e.splitDenominator, e.splitNumerator, 'half-up'));
    const q = this.quotes.get(e.code);
    if (q) {
      q.price = adjust(q.price);
      if (q.prevClose !== undefined) q.prevClose = adjust(q.prevClose);
    }
    const parts: string[] = [];
    if (credited > 0) parts.push(`dividend ${credited} credited`);
    if (split) parts.push(`volume ${split.before} -> ${split.after}`);
    this.alert('CORPORATE_ACTION', `${e.code}: ${parts.join(', ') || 'no holding affected'}`, e.code);
    return true;
  }

  private onSuspension(e: SuspensionEvent, out: HandleResult): boolean {
    if (e.market !== this.spec.market) return this.drop(out, e.eventId, `market ${e.market} is not ${this.spec.market}`, e.code);
    if (e.suspended) this.suspended.add(e.code);
    else this.suspended.delete(e.code);
    this.book.setSuspended(e.code, e.suspended);
    this.alert(e.suspended ? 'SUSPENDED' : 'RESUMED', `${e.code} ${e.suspended ? 'suspended: removed from the interest set, not tradable' : 'resumed'}`, e.code);
    return true;
  }

  private onSession(e: SessionEvent, out: HandleResult): boolean {
    if (e.market !== this.spec.market) return this.drop(out, e.eventId, `market ${e.market} is not ${this.spec.market}`);
    if (this.highWater === undefined || e.ts > this.highWater) this.highWater = e.ts;
    switch (e.phase) {
      case 'open':
        this.tradingDay = e.tradingDay;
        this.closedDay = undefined;
        break;
      case 'close':
        this.closedDay = e.tradingDay;
        break;
      case 'settlement':
        if (this.settledDays.includes(e.tradingDay)) return this.drop(out, e.eventId, `trading day ${e.tradingDay} already settled`);
        out.settlement = this.settle(e);
        break;
      default:
        break;
    }
    return true;
  }

  /** End of day: stop strategies, expire day orders, roll T+1, record daily PnL. */
  private settle(e: SessionEvent): SettlementRecord {
    this.closedDay = e.tradingDay;
    const expiredOrders = this.orders.expireOpen(e.ts);
    this.book.rollSellable();
    for (const q of this.quotes.values()) q.prevClose = q.price;
    const risks = this.components.risks;
    for (let i = 0; i < risks.length; i++) risks[i]!.impl.onSettlement?.(this.reader, this.ctxFor(this.states.risks[i]!));
    const positions: SettlementPosition[] = this.positionViews().map((p) => ({
      code: p.code,
      volume: p.volume,
      sellable: p.sellable,
      avgCostMinor: p.avgCostMinor,
      closePrice: p.lastPrice,
      marketValue: p.marketValue,
      unrealizedPnl: p.unrealizedPnl,
      suspended: p.suspended,
    }));
    const equity = this.equity();
    this.equityCurve.push({ tradingDay: e.tradingDay, equity });
    if (this.equityCurve.length > this.config.equityCurvePoints) this.equityCurve.splice(0, this.equityCurve.length - this.config.equityCurvePoints);
    this.settledDays.push(e.tradingDay);
    if (this.settledDays.length > 10) this.settledDays.shift();
    const record: SettlementRecord = {
      portfolioId: this.portfolioId,
      tradingDay: e.tradingDay,
      ts: e.ts,
      currency: this.market.currency,
      cash: this.book.cash,
      equity,
      previousEquity: this.dayStart.equity,
      dailyPnl: equity - this.dayStart.equity,
      realizedPnl: this.book.realizedPnl,
      unrealizedPnl: positions.reduce((a, p) => a + p.unrealizedPnl, 0),
      feesPaid: this.book.feesPaid,
      dailyFees: this.book.feesPaid - this.dayStart.feesPaid,
      dailyRealizedPnl: this.book.realizedPnl - this.dayStart.realizedPnl,
      expiredOrders,
      positions,
      equityCurve: this.equityCurve.map((p) => ({ ...p })),
    };
    this.dayStart = { equity, realizedPnl: this.book.realizedPnl, feesPaid: this.book.feesPaid };
    return record;
  }

  // ---------------------------------------------------------------- timers driven by event time

  private timeoutsInto(ts: number, out: HandleResult): void {
    for (const c of this.collectTimeouts(ts)) out.cancels.push(c);
  }

  private collectTimeouts(ts: number): CancelIntent[] {
    const cancels: CancelIntent[] = [];
    for (const o of this.orders.open()) {
      if (o.status === 'CANCEL_PENDING' || ts - o.submittedTs < this.config.orderTimeoutMs) continue;
      const r = this.orders.requestCancel(o.clientOrderId, ts, false);
      if (!r.ok) continue;
      const reason = `timeout: unfilled ${ts - o.submittedTs} ms after submission (${o.filled}/${o.volume} filled)`;
      this.alert('ORDER_TIMEOUT', `${o.clientOrderId} ${reason}; cancel sent`, o.clientOrderId);
      cancels.push(this.cancelIntent(o.clientOrderId, ts, false, reason));
    }
    return cancels;
  }

  /** Cancels every open order unfilled for longer than the timeout (S6.05). Also runs inside handle(). */
  checkTimeouts(ts: number): CancelIntent[] {
    this.pendingAlerts = [];
    this.currentTs = ts;
    return this.collectTimeouts(ts);
  }

  /** Flags interested codes without data for longer than the gap, counted in trading time (S6.07). */
  private freshnessInto(ts: number): void {
    if (this.lastFreshnessCheck !== undefined && ts - this.lastFreshnessCheck < 1000) return;
    this.lastFreshnessCheck = ts;
    if (this.firstTs === undefined) return;
    for (const code of this.interested) {
      if (this.staleCodes.has(code) || this.suspended.has(code)) continue;
      const last = this.quotes.get(code)?.ts ?? this.firstTs;
      const gap = tradingMsBetween(this.market, last, ts);
      if (gap > this.config.dataGapMs) {
        this.staleCodes.add(code);
        this.alert('MISSING_DATA', `${code}: no data for ${Math.round(gap / 1000)} s of trading time; strategy skipped for it`, code);
      }
    }
  }

  // ---------------------------------------------------------------- manual intervention

  private cancelIntent(clientOrderId: string, ts: number, force: boolean, reason: string): CancelIntent {
    return { portfolioId: this.portfolioId, clientOrderId, market: this.spec.market, ts, force, reason: reason.slice(0, 500) };
  }

  /** Operator cancel (S6.11 path): CANCEL_PENDING, or with force CANCELLED at once and cash released. */
  requestCancel(clientOrderId: string, ts: number, force = false, reason = 'manual cancel'): CancelIntent | CancelRefusal {
    const r = this.orders.requestCancel(clientOrderId, ts, force);
    if (!r.ok) return { clientOrderId, error: r.reason };
    return this.cancelIntent(clientOrderId, ts, force, reason);
  }

  // ---------------------------------------------------------------- views

  private equity(): number {
    let mv = 0;
    for (const p of this.book.positions.values()) mv += p.volume * this.markPrice(p.code, p.volume, p.costMinor);
    return this.book.cash + mv;
  }

  private markPrice(code: string, volume: number, costMinor: number): number {
    const q = this.quotes.get(code);
    if (q) return q.price;
    return volume > 0 ? divRound(costMinor, volume, 'half-up') : 0;
  }

  private positionViews(): PositionView[] {
    const out: PositionView[] = [];
    for (const p of this.book.positions.values()) {
      if (p.volume === 0) continue;
      const lastPrice = this.markPrice(p.code, p.volume, p.costMinor);
      const marketValue = p.volume * lastPrice;
      out.push({
        code: p.code,
        volume: p.volume,
        sellable: p.sellable,
        availableToSell: Math.max(0, p.sellable - p.frozenSell),
        avgCostMinor: divRound(p.costMinor, p.volume, 'half-up'),
        costMinor: p.costMinor,
        lastPrice,
        marketValue,
        unrealizedPnl: marketValue - p.costMinor,
        suspended: p.suspended,
      });
    }
    return out;
  }

  view(): PortfolioView {
    const positions = this.positionViews();
    const mv = positions.reduce((a, p) => a + p.marketValue, 0);
    return {
      portfolioId: this.portfolioId,
      market: this.spec.market,
      currency: this.market.currency,
      cash: this.book.cash,
      frozenCash: this.book.frozenCash,
      availableCash: this.book.availableCash,
      equity: this.book.cash + mv,
      realizedPnl: this.book.realizedPnl,
      unrealizedPnl: positions.reduce((a, p) => a + p.unrealizedPnl, 0),
      feesPaid: this.book.feesPaid,
      dividends: this.book.dividends,
      positions,
      openOrders: this.orders.open().map((o) => ({
        clientOrderId: o.clientOrderId,
        code: o.code,
        side: o.side,
        orderType: o.orderType,
        price: o.price,
        volume: o.volume,
        filled: o.filled,
        status: o.status,
        submittedTs: o.submittedTs,
      })),
      lastEventTs: this.lastEventTs ?? null,
      tradingDay: this.tradingDay ?? null,
      running: this.running(),
      clockPaused: this.clockPausedUntil !== undefined,
      staleCodes: [...this.staleCodes],
      suspendedCodes: [...this.suspended],
    };
  }

  /** Any known order (open or recently finished), as a copy. */
  order(clientOrderId: string): Readonly<OrderRecord> | undefined {
    const o = this.orders.get(clientOrderId);
    return o ? { ...o, fillIds: [...o.fillIds] } : undefined;
  }

  /** The codes this portfolio needs market data for: the spec's, minus suspended ones (S9.07). */
  interestedCodes(): string[] {
    return this.spec.interestedCodes.filter((c) => !this.suspended.has(c));
  }

  /**
   * Replaces the interest set and nothing else (cash, positions, orders and component state stay): ticks of
   * added codes are taken from now on, those of removed codes dropped; positions held in them are kept.
   */
  setInterestedCodes(codes: readonly string[]): void {
    this.spec = { ...this.spec, interestedCodes: [...codes] };
    this.interested.clear();
    for (const c of codes) this.interested.add(c);
    for (const c of [...this.staleCodes]) if (!this.interested.has(c)) this.staleCodes.delete(c);
  }

  private makeReader(): PortfolioReader {
    const self = this;
    const info = (code: string): PositionInfo | undefined => {
      const p = self.book.position(code);
      if (!p || p.volume === 0) return undefined;
      return {
        code,
        volume: p.volume,
        sellable: p.sellable,
        availableToSell: Math.max(0, p.sellable - p.frozenSell),
        costMinor: p.costMinor,
        avgCostMinor: divRound(p.costMinor, p.volume, 'half-up'),
        suspended: p.suspended,
      };
    };
    return {
      portfolioId: this.portfolioId,
      market: this.market,
      cash: () => self.book.cash,
      availableCash: () => self.book.availableCash,
      equity: () => self.equity(),
      position: info,
      positions: () => [...self.book.positions.keys()].map(info).filter((p): p is PositionInfo => p !== undefined),
      lastPrice: (code) => self.quotes.get(code)?.price,
      prevClose: (code) => self.quotes.get(code)?.prevClose,
      openOrders: (code) => {
        const out: OrderInfo[] = [];
        for (const o of self.orders.open()) {
          if (code !== undefined && o.code !== code) continue;
          out.push({ clientOrderId: o.clientOrderId, code: o.code, side: o.side, price: o.price, volume: o.volume, filled: o.filled, status: o.status });
        }
        return out;
      },
      tradingDay: () => self.tradingDay,
      rules: (code) => instrumentRules(self.market, code, self.tradingDay ?? tradingDayOf(self.market, self.currentTs)),
    };
  }

  // ---------------------------------------------------------------- snapshot / restore

  snapshot(): PortfolioSnapshot {
    const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    return {
      version: SNAPSHOT_VERSION,
      portfolioId: this.portfolioId,
      market: this.spec.market,
      config: { ...this.config },
      book: this.book.toState(),
      orders: this.orders.toState(),
      orderSeq: this.seq,
      seenEventIds: this.seen.toArray(),
      quotes: [...this.quotes].map(([code, q]) => [code, { ...q }]),
      highWater: this.highWater ?? null,
      clockPausedUntil: this.clockPausedUntil ?? null,
      firstTs: this.firstTs ?? null,
      lastEventTs: this.lastEventTs ?? null,
      lastFreshnessCheck: this.lastFreshnessCheck ?? null,
      staleCodes: [...this.staleCodes],
      suspendedCodes: [...this.suspended],
      lastSignalTs: [...this.rateLimiter.last],
      closedDay: this.closedDay ?? null,
      tradingDay: this.tradingDay ?? null,
      settledDays: [...this.settledDays],
      dayStart: { ...this.dayStart },
      equityCurve: this.equityCurve.map((p) => ({ ...p })),
      dailyBuys: this.dailyBuys.toState(),
      components: {
        strategy: { key: this.components.strategy.key, state: clone(this.states.strategy) },
        risks: this.components.risks.map((r, i) => ({ key: r.key, state: clone(this.states.risks[i]!) })),
        sizer: { key: this.components.sizer.key, state: clone(this.states.sizer) },
      },
    };
  }

  /**
   * Rebuilds an engine from a snapshot and the (possibly updated) spec. Component state is kept only for
   * components whose name and params are unchanged; a changed strategy starts fresh.
   */
  static restore(opts: RestoreOptions): PortfolioEngine {
    const s = opts.snapshot;
    if (s.version !== SNAPSHOT_VERSION) throw new Error(`snapshot.version: unsupported version ${String(s.version)} (expected ${SNAPSHOT_VERSION})`);
    const e = new PortfolioEngine({ ...opts, portfolioId: s.portfolioId, config: { ...s.config, ...opts.config } });
    const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    e.book = PositionBook.fromState(s.book);
    e.orders = new OrderBook(e.book, e.market, portfolioCommission(e.market, opts.spec));
    e.dailyBuys = DailyBuys.from(s.dailyBuys);
    e.orders.load(s.orders);
    e.seq = s.orderSeq;
    e.seen = DedupeWindow.from(e.config.dedupeWindow, s.seenEventIds);
    for (const [code, q] of s.quotes) e.quotes.set(code, { ...q });
    e.highWater = s.highWater ?? undefined;
    e.clockPausedUntil = s.clockPausedUntil ?? undefined;
    e.firstTs = s.firstTs ?? undefined;
    e.lastEventTs = s.lastEventTs ?? undefined;
    e.lastFreshnessCheck = s.lastFreshnessCheck ?? undefined;
    for (const c of s.staleCodes) e.staleCodes.add(c);
    for (const c of s.suspendedCodes) e.suspended.add(c);
    for (const [c, t] of s.lastSignalTs) e.rateLimiter.last.set(c, t);
    e.closedDay = s.closedDay ?? undefined;
    e.tradingDay = s.tradingDay ?? undefined;
    e.settledDays = [...s.settledDays];
    e.dayStart = { ...s.dayStart };
    e.equityCurve = s.equityCurve.map((p) => ({ ...p }));
    const c = s.components;
    if (c.strategy.key === e.components.strategy.key) e.states.strategy = clone(c.strategy.state);
    e.components.risks.forEach((r, i) => {
      const saved = c.risks[i];
      if (saved && saved.key === r.key) e.states.risks[i] = clone(saved.state);
    });
    if (c.sizer.key === e.components.sizer.key) e.states.sizer = clone(c.sizer.state);
    return e;
  }
}

