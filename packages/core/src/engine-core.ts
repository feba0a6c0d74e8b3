import type { PortfolioSpec } from '@ginkgo/contracts';
import type { ComponentContext, PortfolioReader } from './component-api.js';
import type { BuiltComponents } from './component-registry.js';
import type { DailyBuys } from './daily-buys.js';
import type { DedupeWindow } from './dedupe-window.js';
import type { EngineConfig } from './engine-config.js';
import type { EngineState } from './engine-state.js';
import type { KeyedEntries } from './keyed-entries.js';
import type { MarketRules } from './market-rules.js';
import type { OrderBook } from './order-book.js';
import type { PositionBook } from './position-book.js';
import type { SignalRateLimiter } from './signal-pipeline.js';
import type { QuoteState } from './snapshot.js';
import type { Alert, AlertCode, HandleResult, JsonObject } from './types.js';

/** Optional per-call context: a reference time lets the caller's clock judge future/stale data. */
export interface HandleContext {
  now?: number;
}

/** Collects the alerts of the current call, stamped with the time of the event being handled. */
export class AlertSink {
  pending: Alert[] = [];
  ts = 0;

  /** Starts a call: later alerts go to `into`. */
  begin(ts: number, into: Alert[] = []): void {
    this.ts = ts;
    this.pending = into;
  }

  raise(code: AlertCode, message: string, subject?: string): void {
    const a: Alert = { code, message, ts: this.ts };
    if (subject !== undefined) a.subject = subject;
    this.pending.push(a);
  }
}

/**
 * What the engine's steps (input guard, order pipeline, day cycle, views) share: the fixed setup, the one
 * state record and the helpers that work on parts of it in place.
 */
export interface EngineCore {
  readonly portfolioId: string;
  readonly market: MarketRules;
  readonly config: EngineConfig;
  /** Replaced (never mutated) when the interest set changes. */
  spec: PortfolioSpec;
  readonly interested: Set<string>;
  readonly components: BuiltComponents;
  readonly state: EngineState;
  readonly book: PositionBook;
  readonly orders: OrderBook;
  readonly quotes: KeyedEntries<QuoteState>;
  readonly seen: DedupeWindow;
  readonly rateLimiter: SignalRateLimiter;
  readonly dailyBuys: DailyBuys;
  readonly alerts: AlertSink;
  /**
   * The earliest data time (last quote, else the first price) among the interested codes when last counted;
   * null = not known. Not part of the state: it is rebuilt on the next freshness check.
   */
  readonly freshness: { floor: number | null };
  /** The read-only portfolio view handed to components. */
  readonly reader: PortfolioReader;
  /** The alert function of every component context (one closure per engine, not one per call). */
  readonly raiseAlert: ComponentContext['alert'];
}

/** The context a component runs with: its own state and the alert sink. */
export function componentContext(core: EngineCore, state: JsonObject): ComponentContext {
  return { state, alert: core.raiseAlert };
}

/** New orders are made only while the spec says Running and the trading day has not closed. */
export function isRunning(core: EngineCore): boolean {
  return core.spec.desiredState === 'Running' && core.state.closedDay === null;
}

/** Records why an event was dropped; always false, so a handler can `return drop(...)`. */
export function drop(out: HandleResult, eventId: string, reason: string, code?: string): false {
  out.dropped.push(code === undefined ? { eventId, reason } : { eventId, reason, code });
  return false;
}

/** Moves the high-water mark of event time forward. */
export function advanceHighWater(state: EngineState, ts: number): void {
  if (state.highWater === null || ts > state.highWater) state.highWater = ts;
}
