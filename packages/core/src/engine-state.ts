import { cloneData } from './clone-data.js';
import type { BuiltComponents } from './component-registry.js';
import { emptyDailyBuys, type DailyBuysState } from './daily-buys.js';
import type { EngineConfig } from './engine-config.js';
import type { OrderRecord } from './order-book.js';
import { emptyBook, type BookState } from './position-book.js';
import type { EquityPoint } from './settlement.js';
import { SNAPSHOT_VERSION, type ComponentSnapshot, type PortfolioSnapshot, type QuoteState } from './snapshot.js';

/**
 * Everything a PortfolioEngine remembers, as one plain JSON record. The engine and its helpers (position
 * book, order book, dedupe window, ...) work on this record in place and keep only lookup indexes of their
 * own, so a snapshot is the version stamp plus a clone of it. Maps are entry arrays and sets are arrays, in
 * insertion order, so that iteration order survives JSON; "not yet known" is null. The field order here is
 * the field order of stored snapshots. The one lazy part: the dedupe window cuts evicted ids off
 * `seenEventIds` in batches, so the engine compacts it before taking a snapshot.
 */
export interface EngineState {
  portfolioId: string;
  market: string;
  config: EngineConfig;
  book: BookState;
  /** Open and recently finished orders, oldest first. */
  orders: OrderRecord[];
  /** Counter behind the client order ids. */
  orderSeq: number;
  /** Recently seen event ids, oldest first (de-duplication). */
  seenEventIds: string[];
  /** Last price (and previous close) per code. */
  quotes: [string, QuoteState][];
  /** Latest event time seen on market data and session events. */
  highWater: number | null;
  /** Set while price processing waits for event time to catch up after the clock went backwards. */
  clockPausedUntil: number | null;
  /** Time of the first accepted price: the start of every code's data gap. */
  firstTs: number | null;
  lastEventTs: number | null;
  lastFreshnessCheck: number | null;
  /** Interested codes without data for longer than the gap. */
  staleCodes: string[];
  suspendedCodes: string[];
  /** Time of the last strategy signal allowed per code (rate limit). */
  lastSignalTs: [string, number][];
  /** Trading day after whose close no new orders are made (until the next day or open). */
  closedDay: string | null;
  tradingDay: string | null;
  /** The last ten settled trading days, so that a repeated settlement is refused. */
  settledDays: string[];
  /** Equity, realised PnL and fees at the start of the trading day: the base of the day's figures. */
  dayStart: { equity: number; realizedPnl: number; feesPaid: number };
  equityCurve: EquityPoint[];
  /** Shares bought per code on the current trading day (risk-warning daily cap). */
  dailyBuys: DailyBuysState;
  /** Component state, each tagged with the component's name + params it belongs to. */
  components: { strategy: ComponentSnapshot; risks: ComponentSnapshot[]; sizer: ComponentSnapshot };
}

/** The state of a portfolio that has seen no event yet. */
export function initialEngineState(
  portfolioId: string,
  market: string,
  config: EngineConfig,
  initialCash: number,
  components: BuiltComponents,
): EngineState {
  return {
    portfolioId,
    market,
    config,
    book: emptyBook(initialCash),
    orders: [],
    orderSeq: 0,
    seenEventIds: [],
    quotes: [],
    highWater: null,
    clockPausedUntil: null,
    firstTs: null,
    lastEventTs: null,
    lastFreshnessCheck: null,
    staleCodes: [],
    suspendedCodes: [],
    lastSignalTs: [],
    closedDay: null,
    tradingDay: null,
    settledDays: [],
    dayStart: { equity: initialCash, realizedPnl: 0, feesPaid: 0 },
    equityCurve: [],
    dailyBuys: emptyDailyBuys(),
    components: {
      strategy: { key: components.strategy.key, state: {} },
      risks: components.risks.map((r) => ({ key: r.key, state: {} })),
      sizer: { key: components.sizer.key, state: {} },
    },
  };
}

/** The snapshot of a state: a deep copy that shares nothing with the live engine. */
export function snapshotOf(state: EngineState): PortfolioSnapshot {
  return { version: SNAPSHOT_VERSION, ...cloneData(state) };
}

/**
 * The state a snapshot describes, on top of `fresh` (the initial state of the engine being restored): the
 * identity, config and component keys are the fresh ones; fields missing in older snapshots (dailyBuys)
 * keep their initial value; component state is kept only where name and params are unchanged.
 */
export function stateFromSnapshot(snapshot: PortfolioSnapshot, fresh: EngineState): EngineState {
  if (snapshot.version !== SNAPSHOT_VERSION) {
    throw new Error(`snapshot.version: unsupported version ${String(snapshot.version)} (expected ${SNAPSHOT_VERSION})`);
  }
  const {
    version: _version,
    portfolioId: _id,
    market: _market,
    config: _config,
    components,
    ...saved
  } = cloneData(snapshot);
  const keep = (now: ComponentSnapshot, before: ComponentSnapshot | undefined): ComponentSnapshot =>
    before && before.key === now.key ? before : now;
  return {
    ...fresh,
    ...saved,
    components: {
      strategy: keep(fresh.components.strategy, components.strategy),
      risks: fresh.components.risks.map((r, i) => keep(r, components.risks[i])),
      sizer: keep(fresh.components.sizer, components.sizer),
    },
  };
}
