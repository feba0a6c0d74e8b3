import type { SubmitOrder } from '@ginkgo/contracts';
import { commissionOf, orderFeeTotal, tradingDayOf, type Commission, type MarketRules } from '@ginkgo/core';
import type { BrokerOrder } from './broker-adapter.js';

export interface WorkingOrder {
  order: SubmitOrder;
  record: BrokerOrder;
  /** The commission the account pays on this order: the one the order carries, else the venue's default. */
  commission: Commission;
  /** Price the buy reserve is computed at (limit price, or limit-up/last for market orders). */
  reservePrice: number;
  feesCharged: number;
  filledAmount: number;
  /** Event-time matching: the market data of its code has not reached the order's time yet. */
  waiting?: boolean;
}

/**
 * The paper venue's orders by client order id, and the open ones by code (a quote looks only at those), with
 * what open orders hold back of an account: cash for buys, sellable volume for sells, buy volume for the
 * risk-warning daily cap.
 */
export class PaperOrderBook {
  private readonly orders = new Map<string, WorkingOrder>();
  /** Orders not yet finished, by code (finished ones leave lazily, see openOf). */
  private readonly working = new Map<string, Set<WorkingOrder>>();

  /** @param defaultCommission the commission of orders that carry none */
  constructor(
    private readonly rules: MarketRules,
    private readonly defaultCommission: Commission,
  ) {}

  /**
   * A new order, not yet filled. The portfolio's broker commission travels with the order, so the venue
   * charges what the engine books; an order without one pays the venue's default.
   */
  open(order: SubmitOrder, record: BrokerOrder): WorkingOrder {
    const commission = order.commission ? commissionOf(this.rules, order.commission) : this.defaultCommission;
    const w: WorkingOrder = { order, record, commission, reservePrice: order.price, feesCharged: 0, filledAmount: 0 };
    this.add(w);
    return w;
  }

  /** An order's fees for its cumulative amount: its commission and the exchange fees of its trading day. */
  fee(w: WorkingOrder, amount: number): number {
    return orderFeeTotal(this.rules, w.order.side, amount, {
      day: tradingDayOf(this.rules, w.order.ts),
      commission: w.commission,
    });
  }

  get(clientOrderId: string): WorkingOrder | undefined {
    return this.orders.get(clientOrderId);
  }

  has(clientOrderId: string): boolean {
    return this.orders.has(clientOrderId);
  }

  all(): IterableIterator<WorkingOrder> {
    return this.orders.values();
  }

  add(w: WorkingOrder): void {
    this.orders.set(w.order.clientOrderId, w);
    const byCode = this.working.get(w.order.code);
    if (byCode) byCode.add(w);
    else this.working.set(w.order.code, new Set([w]));
  }

  /** The orders of `code` (every code when undefined) still open, as a copy; finished ones are dropped here. */
  openOf(code: string | undefined): WorkingOrder[] {
    const sets = code === undefined ? [...this.working.values()] : [this.working.get(code) ?? new Set<WorkingOrder>()];
    const out: WorkingOrder[] = [];
    for (const set of sets) {
      for (const w of [...set]) {
        if (w.record.status === 'open') out.push(w);
        else set.delete(w);
      }
    }
    return out;
  }

  /** Cash an open buy holds back: the rest of its volume at its reserve price and the fees still to come. */
  reserve(w: WorkingOrder): number {
    if (w.order.side !== 'BUY' || w.record.status !== 'open' || w.waiting) return 0;
    const remaining = w.order.volume - w.record.filled;
    const fees = this.fee(w, w.reservePrice * w.order.volume) - w.feesCharged;
    return w.reservePrice * remaining + Math.max(0, fees);
  }

  frozenCash(account: string, except?: WorkingOrder): number {
    let sum = 0;
    for (const w of this.orders.values())
      if (w !== except && w.order.portfolioId === account && w.record.status === 'open') sum += this.reserve(w);
    return sum;
  }

  /** Volume of open sells of an account in a code (not yet sellable again). */
  frozenSell(account: string, code: string, except?: WorkingOrder): number {
    let sum = 0;
    for (const w of this.orders.values()) {
      if (w === except || w.record.status !== 'open' || w.order.side !== 'SELL' || w.waiting) continue;
      if (w.order.portfolioId === account && w.order.code === code) sum += w.order.volume - w.record.filled;
    }
    return sum;
  }

  /** Open buy volume of an account in a code (what the risk-warning cap counts besides fills). */
  pendingBuys(account: string, code: string, except?: WorkingOrder): number {
    let sum = 0;
    for (const w of this.orders.values()) {
      if (w === except || w.record.status !== 'open' || w.order.side !== 'BUY') continue;
      if (w.order.portfolioId === account && w.order.code === code) sum += w.order.volume - w.record.filled;
    }
    return sum;
  }
}
