import type {
  CancelOrder,
  CorporateAction,
  OrderEvent,
  PriceUpdate,
  SessionEvent,
  SubmitOrder,
  SuspensionEvent,
} from '@ginkgo/contracts';

/** Everything the engine consumes; time travels inside each event as `ts` (source epoch ms). */
export type EngineEvent = PriceUpdate | OrderEvent | CorporateAction | SuspensionEvent | SessionEvent;

export type Direction = 'LONG' | 'SHORT';

/** What a strategy or risk manager returns: A shares are long-only, so SHORT means "close". */
export interface SignalDraft {
  code: string;
  direction: Direction;
  reason: string;
  /** Optional explicit volume; LONG volumes are normally chosen by the sizer, SHORT defaults to all sellable. */
  volume?: number;
  /**
   * How to trade: LIMIT (default) at `limitPrice`, or at the last price when none is given; MARKET fills at
   * the quote, with the day's limit price as the protective cap. The engine refuses a limit price off the
   * tick or outside the day's price limits, with the reason.
   */
  orderType?: 'LIMIT' | 'MARKET';
  /** Limit price in minor units (fen); only with LIMIT. */
  limitPrice?: number;
}

export interface Signal extends SignalDraft {
  portfolioId: string;
  /** Source time of the data the signal was computed from (for expiry). */
  ts: number;
  eventId: string;
  origin: 'strategy' | 'risk';
  /** Component that produced it, e.g. "ma-cross" or "loss-limit". */
  source: string;
  /** Reference time minus data time, when the caller passed a reference time (`handle(e, { now })`). */
  latencyMs?: number;
}

/** A SubmitOrder before the runtime stamps epoch and node id on it. */
export type OrderIntent = Omit<SubmitOrder, 'type' | 'epoch' | 'nodeId'>;
export type CancelIntent = Omit<CancelOrder, 'type' | 'epoch' | 'nodeId'>;

export interface Dropped {
  eventId: string;
  reason: string;
  code?: string;
}

export type AlertCode =
  | 'ABNORMAL_PRICE'
  | 'FUTURE_TIMESTAMP'
  | 'CLOCK_BACKWARDS'
  | 'CLOCK_RESUMED'
  | 'CLOCK_SKEW'
  | 'MISSING_DATA'
  | 'LIMIT_MOVE'
  | 'ORDER_TIMEOUT'
  | 'ORDER_REJECTED'
  | 'ORDER_REFUSED'
  | 'ILLEGAL_TRANSITION'
  | 'OVERFILL'
  | 'UNKNOWN_ORDER'
  | 'FILL_OUTSIDE_LIMIT'
  | 'FEE_MISMATCH'
  | 'LATE_FILL'
  | 'SUSPENDED'
  | 'RESUMED'
  | 'CORPORATE_ACTION'
  | 'RISK'
  | 'SETTLEMENT';

export interface Alert {
  code: AlertCode;
  message: string;
  ts: number;
  subject?: string;
}

export interface HandleResult {
  orders: OrderIntent[];
  cancels: CancelIntent[];
  signals: Signal[];
  dropped: Dropped[];
  alerts: Alert[];
  settlement?: import('./settlement.js').SettlementRecord;
}

/** JSON values: component state must be plain data so that snapshots are exact. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };
