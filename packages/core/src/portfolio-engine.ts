import { decimalToMinor, type PortfolioSpec, type PriceUpdate } from '@ginkgo/contracts';
import { ComponentRegistry } from './component-registry.js';
import { applyCorporateAction, applySuspension } from './corporate-actions.js';
import { DailyBuys } from './daily-buys.js';
import { applySession, cancelIntent, checkFreshness, collectTimeouts } from './day-cycle.js';
import { DedupeWindow } from './dedupe-window.js';
import { createDefaultRegistry } from './default-registry.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './engine-config.js';
import { advanceHighWater, AlertSink, isRunning, type EngineCore, type HandleContext } from './engine-core.js';
import { initialEngineState, snapshotOf, stateFromSnapshot } from './engine-state.js';
import { makeReader, portfolioView, type PortfolioView } from './engine-views.js';
import { guardPrice } from './input-guard.js';
import { KeyedEntries, removeFromList } from './keyed-entries.js';
import { tradingDayOf } from './market-clock.js';
import { marketById, type MarketRules } from './market-rules.js';
import { OrderBook, type OrderRecord } from './order-book.js';
import { applyOrderEvent } from './order-events.js';
import { portfolioCommission } from './order-gate.js';
import { runPipeline } from './order-pipeline.js';
import { PositionBook } from './position-book.js';
import { SignalRateLimiter } from './signal-pipeline.js';
import type { PortfolioSnapshot } from './snapshot.js';
import type { CancelIntent, EngineEvent, HandleResult } from './types.js';

/** Why an input whose event id the engine already applied is dropped (a redelivery, never applied twice). */
export const DUPLICATE_EVENT = 'duplicate event id';

export type { HandleContext } from './engine-core.js';
export type { OpenOrderView, PortfolioView, PositionView } from './engine-views.js';

export interface PortfolioEngineOptions {
  portfolioId: string;
  /** A parsed PortfolioSpec (defaults applied). */
  spec: PortfolioSpec;
  registry?: ComponentRegistry;
  market?: MarketRules;
  config?: Partial<EngineConfig>;
  /**
   * Order sequence numbers an earlier, deleted portfolio of the same id used: a new one's client order ids
   * start after them, so that the gateway never takes its orders for replays of the old ones.
   */
  orderSeqAfter?: number;
}

export interface RestoreOptions extends Omit<PortfolioEngineOptions, 'portfolioId' | 'orderSeqAfter'> {
  snapshot: PortfolioSnapshot;
}

export interface CancelRefusal {
  clientOrderId: string;
  error: string;
}

/** The context of a call without one (shared: the steps only read it). */
const NO_CONTEXT: HandleContext = Object.freeze({});

type Handler<E> = (core: EngineCore, e: E, out: HandleResult, ctx: HandleContext) => boolean;

/** A price the input guard accepts becomes the quote, moves event time and runs the order pipeline. */
function acceptPrice(core: EngineCore, e: PriceUpdate, out: HandleResult, ctx: HandleContext): boolean {
  const q = guardPrice(core, e, ctx, out);
  if (q === false) return false;
  const state = core.state;
  // The quote is updated in place (a new object per tick and portfolio only made garbage); a tick without a
  // previous close keeps the known one.
  if (q === undefined) {
    core.quotes.set(
      e.code,
      e.prevClose === undefined ? { price: e.price, ts: e.ts } : { price: e.price, ts: e.ts, prevClose: e.prevClose },
    );
  } else {
    q.price = e.price;
    q.ts = e.ts;
    if (e.prevClose !== undefined) q.prevClose = e.prevClose;
  }
  advanceHighWater(state, e.ts);
  if (state.firstTs === null) state.firstTs = e.ts;
  const day = tradingDayOf(core.market, e.ts);
  state.tradingDay = day;
  // A new trading day re-opens trading even if no explicit "open" session event arrived.
  if (state.closedDay !== null && day > state.closedDay) state.closedDay = null;
  if (removeFromList(state.staleCodes, e.code)) core.alerts.raise('MISSING_DATA', `${e.code}: data resumed`, e.code);
  checkFreshness(core, e.ts);
  if (isRunning(core)) runPipeline(core, e, ctx, out);
  return true;
}

/** Each event type's step; each returns whether the event was accepted (it then moves event time). */
const HANDLERS: { [K in EngineEvent['type']]: Handler<Extract<EngineEvent, { type: K }>> } = {
  price: acceptPrice,
  order: applyOrderEvent,
  'corporate-action': applyCorporateAction,
  suspension: applySuspension,
  session: applySession,
};

/**
 * One portfolio: consumes market and order events in order and returns what to send. Pure and
 * deterministic: no clock, no randomness, no I/O; all state is one plain record (EngineState), and a
 * snapshot is a versioned copy of it. The steps live in their own modules: input guard, order pipeline,
 * order events, corporate actions, day cycle (sessions, settlement, timers) and views.
 */
export class PortfolioEngine {
  readonly portfolioId: string;
  readonly market: MarketRules;
  readonly config: EngineConfig;
  private readonly core: EngineCore;

  private constructor(opts: PortfolioEngineOptions, snapshot?: PortfolioSnapshot) {
    this.portfolioId = opts.portfolioId;
    const market = opts.market ?? marketById(opts.spec.market);
    if (market.id !== opts.spec.market) {
      throw new Error(
        `spec.market: portfolio is for market "${opts.spec.market}" but the engine was given rules for "${market.id}"`,
      );
    }
    this.market = market;
    const config: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, ...opts.config };
    this.config = config;
    const components = (opts.registry ?? createDefaultRegistry()).build(opts.spec);
    const fresh = initialEngineState(
      opts.portfolioId,
      opts.spec.market,
      config,
      decimalToMinor(opts.spec.initialCash),
      components,
    );
    if (opts.orderSeqAfter !== undefined) fresh.orderSeq = opts.orderSeqAfter;
    const state = snapshot ? stateFromSnapshot(snapshot, fresh) : fresh;
    const book = new PositionBook(state.book);
    const alerts = new AlertSink();
    const core: Omit<EngineCore, 'reader'> = {
      portfolioId: opts.portfolioId,
      market,
      config,
      spec: opts.spec,
      interested: new Set(opts.spec.interestedCodes),
      components,
      state,
      book,
      orders: new OrderBook(book, market, portfolioCommission(market, opts.spec), state.orders),
      quotes: new KeyedEntries(state.quotes),
      seen: new DedupeWindow(config.dedupeWindow, state.seenEventIds),
      rateLimiter: new SignalRateLimiter(config.minSignalIntervalMs, state.lastSignalTs),
      dailyBuys: new DailyBuys(state.dailyBuys),
      alerts,
      raiseAlert: (code, message, subject) => alerts.raise(code, message, subject),
      freshness: { floor: null },
    };
    this.core = Object.assign(core, { reader: makeReader(core as EngineCore) });
  }

  /** The spec in force (the interest set may have changed since creation); the property tests read it to restore. */
  private get spec(): PortfolioSpec {
    return this.core.spec;
  }

  static create(opts: PortfolioEngineOptions): PortfolioEngine {
    return new PortfolioEngine(opts);
  }

  /**
   * Rebuilds an engine from a snapshot and the (possibly updated) spec. Component state is kept only for
   * components whose name and params are unchanged; a changed strategy starts fresh.
   */
  static restore(opts: RestoreOptions): PortfolioEngine {
    const s = opts.snapshot;
    return new PortfolioEngine({ ...opts, portfolioId: s.portfolioId, config: { ...s.config, ...opts.config } }, s);
  }

  /** A deep copy of the whole state, stamped with its version; what node-runtime persists as JSON. */
  snapshot(): PortfolioSnapshot {
    this.core.seen.compact();
    return snapshotOf(this.core.state);
  }

  // ---------------------------------------------------------------- events

  handle(event: EngineEvent, ctx: HandleContext = NO_CONTEXT): HandleResult {
    const core = this.core;
    const out: HandleResult = { orders: [], cancels: [], signals: [], dropped: [], alerts: [] };
    core.alerts.begin(event.ts, out.alerts);
    if (!core.seen.admit(event.eventId)) {
      out.dropped.push({ eventId: event.eventId, reason: DUPLICATE_EVENT });
      return out;
    }
    const accepted = (HANDLERS[event.type] as Handler<EngineEvent>)(core, event, out, ctx);
    const state = core.state;
    if (accepted && (state.lastEventTs === null || event.ts > state.lastEventTs)) {
      state.lastEventTs = event.ts;
      if (core.orders.openCount > 0) out.cancels.push(...collectTimeouts(core, event.ts));
    }
    core.orders.prune(this.config.finishedOrdersKept);
    return out;
  }

  /** Cancels every open order unfilled for longer than the timeout (this also runs inside handle()). */
  checkTimeouts(ts: number): CancelIntent[] {
    this.core.alerts.begin(ts);
    return collectTimeouts(this.core, ts);
  }

  /** Operator cancel: CANCEL_PENDING, or with force CANCELLED at once and the reserved cash released. */
  requestCancel(
    clientOrderId: string,
    ts: number,
    force = false,
    reason = 'manual cancel',
  ): CancelIntent | CancelRefusal {
    const r = this.core.orders.requestCancel(clientOrderId, ts, force);
    if (!r.ok) return { clientOrderId, error: r.reason };
    return cancelIntent(this.core, clientOrderId, ts, force, reason);
  }

  // ---------------------------------------------------------------- views

  /** Equity at the start of the current trading day (the base of the day's PnL), minor units. */
  dayStartEquity(): number {
    return this.core.state.dayStart.equity;
  }

  view(): PortfolioView {
    return portfolioView(this.core);
  }

  /** Any known order (open or recently finished), as a copy. */
  order(clientOrderId: string): Readonly<OrderRecord> | undefined {
    const o = this.core.orders.get(clientOrderId);
    return o ? { ...o, fillIds: [...o.fillIds] } : undefined;
  }

  /** The codes this portfolio needs market data for: the spec's, minus suspended ones. */
  interestedCodes(): string[] {
    const suspended = this.core.state.suspendedCodes;
    return this.core.spec.interestedCodes.filter((c) => !suspended.includes(c));
  }

  /**
   * Replaces the interest set and nothing else (cash, positions, orders and component state stay): ticks of
   * added codes are taken from now on, those of removed codes dropped; positions held in them are kept.
   */
  setInterestedCodes(codes: readonly string[]): void {
    const core = this.core;
    core.spec = { ...core.spec, interestedCodes: [...codes] };
    core.interested.clear();
    for (const c of codes) core.interested.add(c);
    core.freshness.floor = null;
    const stale = core.state.staleCodes;
    stale.splice(0, stale.length, ...stale.filter((c) => core.interested.has(c)));
  }
}
