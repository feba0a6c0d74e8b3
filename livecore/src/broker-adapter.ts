import type { OrderEvent, OrderEventType, Side, SubmitOrder } from '@ginkgo/contracts';

/** What a broker tells us about an order, before it becomes an OrderEvent on Kafka. */
export interface BrokerReport {
  clientOrderId: string;
  event: OrderEventType;
  brokerOrderId?: string;
  fillId?: string;
  fillVolume?: number;
  fillPrice?: number;
  /** The fees the broker charged on this fill (minor units), when it reports them. */
  fillFee?: number;
  reason?: string;
  ts: number;
}

export type BrokerOrderStatus = 'open' | 'filled' | 'cancelled' | 'rejected' | 'expired';

export interface BrokerFill {
  fillId: string;
  volume: number;
  price: number;
  /** Fees charged on this fill (minor units), when the broker reports them. */
  fee?: number;
  ts: number;
}

/** The broker's own record of one order (what reconciliation compares against). */
export interface BrokerOrder {
  clientOrderId: string;
  brokerOrderId: string;
  account: string;
  code: string;
  side: Side;
  price: number;
  volume: number;
  filled: number;
  status: BrokerOrderStatus;
  fills: BrokerFill[];
  reason?: string;
}

export interface BrokerPosition {
  code: string;
  volume: number;
  sellable: number;
}

export interface BrokerAccount {
  account: string;
  cash: number;
  /** Cash held for open buy orders (price x remaining volume + fees). */
  frozenCash: number;
  positions: BrokerPosition[];
}

export type CancelOutcome = { ok: true } | { ok: false; reason: string };

/** One small interface per broker; the paper exchange is one implementation. Accounts are portfolio ids. */
export interface BrokerAdapter {
  readonly name: string;
  /** Sends an order; reports arrive through the listener (possibly before this resolves). Throws BrokerUnavailableError. */
  submit(order: SubmitOrder): Promise<void>;
  /** Asks for a cancel; the CANCELLED report arrives through the listener. Throws BrokerUnavailableError. */
  cancel(clientOrderId: string, ts: number, reason?: string): Promise<CancelOutcome>;
  /** Subscribes to reports; returns the unsubscribe function (a restarted gateway replaces its listener). */
  onReport(listener: (report: BrokerReport) => void): () => void;
  /** Orders still working at the broker. */
  openOrders(): Promise<BrokerOrder[]>;
  /** One order as the broker knows it (any status), for reconciliation. */
  order(clientOrderId: string): Promise<BrokerOrder | undefined>;
  /** Cash and positions of one account. */
  account(account: string): Promise<BrokerAccount>;
  close(): Promise<void>;
}

export class BrokerUnavailableError extends Error {
  constructor(
    readonly broker: string,
    cause: string,
  ) {
    super(`broker ${broker} unavailable: ${cause}`);
    this.name = 'BrokerUnavailableError';
  }
}

/**
 * The order event a broker report becomes, worded the same by the live gateway and the backtest: its id is
 * `<clientOrderId>:<seq>`, `seq` counting the events recorded for that order.
 */
export function orderEventOf(r: BrokerReport, seq: number, order: { market: string; portfolioId: string }): OrderEvent {
  return {
    type: 'order',
    eventId: `${r.clientOrderId}:${seq}`,
    ts: r.ts,
    seq,
    event: r.event,
    market: order.market,
    portfolioId: order.portfolioId,
    clientOrderId: r.clientOrderId,
    ...(r.brokerOrderId !== undefined ? { brokerOrderId: r.brokerOrderId } : {}),
    ...(r.fillId !== undefined ? { fillId: r.fillId } : {}),
    ...(r.fillVolume !== undefined ? { fillVolume: r.fillVolume } : {}),
    ...(r.fillPrice !== undefined ? { fillPrice: r.fillPrice } : {}),
    ...(r.fillFee !== undefined ? { fillFee: r.fillFee } : {}),
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
  };
}
