import type { OrderEvent } from '@ginkgo/contracts';
import { orderFeeTotal, type Commission, type MarketRules } from './market-rules.js';
import { tradingDayOf } from './market-clock.js';
import { isTerminal, statusAfterFill, transition, type OrderStatus } from './order-state-machine.js';
import type { PositionBook } from './position-book.js';

export interface OrderRecord {
  clientOrderId: string;
  code: string;
  side: 'BUY' | 'SELL';
  orderType: 'LIMIT' | 'MARKET';
  /** Limit price, minor units. */
  price: number;
  volume: number;
  filled: number;
  filledAmount: number;
  feesCharged: number;
  /** Cash currently reserved for this order. */
  frozenCash: number;
  status: OrderStatus;
  submittedTs: number;
  updatedTs: number;
  reason: string;
  fillIds: string[];
  brokerOrderId?: string;
  /** Cancelled locally without waiting for the broker (manual force-cancel). */
  forced: boolean;
  statusReason?: string;
}

export type OrderEventOutcome =
  | { ok: true; order: OrderRecord; fill?: { volume: number; price: number } }
  | { ok: false; reason: string; alert?: 'ILLEGAL_TRANSITION' | 'OVERFILL' | 'UNKNOWN_ORDER'; order?: OrderRecord };

/**
 * Orders and the cash/volume they reserve. Buy orders freeze the limit amount plus the fees it would
 * cost; every fill charges the increase of the order's cumulative fees, so the minimum commission is
 * charged once and rounding never accumulates.
 */
export class OrderBook {
  readonly orders = new Map<string, OrderRecord>();
  private readonly openIds = new Set<string>();

  private readonly commission: Commission;

  /** Fees follow the rules of the order's trading day and the portfolio's commission (the market's default if none). */
  constructor(private readonly book: PositionBook, private readonly market: MarketRules, commission?: Commission) {
    this.commission = commission ?? market.defaultCommission;
  }

  /** Total fees of an order placed at `ts` whose cumulative filled amount is `amount`. */
  feeTotal(side: 'BUY' | 'SELL', amount: number, ts: number): number {
    return orderFeeTotal(this.market, side, amount, { day: tradingDayOf(this.market, ts), commission: this.commission });
  }

  get(id: string): OrderRecord | undefined {
    return this.orders.get(id);
  }

  open(): OrderRecord[] {
    const out: OrderRecord[] = [];
    for (const id of this.openIds) out.push(this.orders.get(id)!);
    return out;
  }

  hasOpen(code: string, side: 'BUY' | 'SELL'): boolean {
    for (const id of this.openIds) {
      const o = this.orders.get(id)!;
      if (o.code === code && o.side === side) return true;
    }
    return false;
  }

  /** Cash a new order placed at `ts` must reserve. */
  cashToFreeze(side: 'BUY' | 'SELL', price: number, volume: number, ts: number): number {
    return this.frozenFor(side, 0, price * volume, ts);
  }

  private frozenFor(side: 'BUY' | 'SELL', filledAmount: number, remainingAmount: number, ts: number): number {
    const feeRest = this.feeTotal(side, filledAmount + remainingAmount, ts) - this.feeTotal(side, filledAmount, ts);
    return side === 'BUY' ? remainingAmount + feeRest : Math.max(0, feeRest - remainingAmount);
  }

  submit(o: Omit<OrderRecord, 'filled' | 'filledAmount' | 'feesCharged' | 'frozenCash' | 'status' | 'updatedTs' | 'fillIds' | 'forced'>): OrderRecord {
    const rec: OrderRecord = { ...o, filled: 0, filledAmount: 0, feesCharged: 0, frozenCash: 0, status: 'NEW', updatedTs: o.submittedTs, fillIds: [], forced: false };
    rec.frozenCash = this.cashToFreeze(rec.side, rec.price, rec.volume, rec.submittedTs);
    this.book.freezeCash(rec.frozenCash);
    if (rec.side === 'SELL') this.book.freezeSell(rec.code, rec.volume);
    // Handing the intent to the caller is the submission.
    rec.status = 'SUBMITTED';
    this.orders.set(rec.clientOrderId, rec);
    this.openIds.add(rec.clientOrderId);
    return rec;
  }

  /** Releases whatever the order still reserves (on any terminal status). */
  private release(o: OrderRecord): void {
    this.book.releaseCash(o.frozenCash);
    o.frozenCash = 0;
    if (o.side === 'SELL') this.book.releaseSell(o.code, o.volume - o.filled);
    this.openIds.delete(o.clientOrderId);
  }

  private setStatus(o: OrderRecord, to: OrderStatus, ts: number, reason?: string): void {
    o.status = to;
    o.updatedTs = ts;
    if (reason !== undefined) o.statusReason = reason;
    if (isTerminal(to)) this.release(o);
  }

  apply(e: OrderEvent): OrderEventOutcome {
    const o = this.orders.get(e.clientOrderId);
    if (!o) return { ok: false, reason: `unknown order ${e.clientOrderId}`, alert: 'UNKNOWN_ORDER' };
    if (e.brokerOrderId !== undefined) o.brokerOrderId = e.brokerOrderId;
    if (e.event === 'PARTIALLY_FILLED' || e.event === 'FILLED') return this.fill(o, e);
    if (e.event === 'ACCEPTED' && (o.status === 'PARTIALLY_FILLED' || o.status === 'FILLED' || o.status === 'CANCEL_PENDING')) {
      // The acknowledgement was overtaken by a fill or our cancel: nothing to change.
      return { ok: false, reason: `late ACCEPTED ignored (order is ${o.status})`, order: o };
    }
    const t = transition(o.status, e.event);
    if (!t.ok) return { ok: false, reason: t.reason, alert: 'ILLEGAL_TRANSITION', order: o };
    this.setStatus(o, t.to, e.ts, e.reason);
    return { ok: true, order: o };
  }

  private fill(o: OrderRecord, e: OrderEvent): OrderEventOutcome {
    const volume = e.fillVolume;
    const price = e.fillPrice;
    const fillId = e.fillId;
    if (volume === undefined || price === undefined || fillId === undefined || volume <= 0 || price <= 0) {
      return { ok: false, reason: `${e.event} without a valid fill`, order: o };
    }
    if (o.fillIds.includes(fillId)) return { ok: false, reason: `duplicate fill ${fillId}`, order: o };
    const lateAfterForce = o.forced && o.status === 'CANCELLED';
    if (isTerminal(o.status) && !lateAfterForce) return { ok: false, reason: `illegal transition ${o.status} -> ${e.event}`, alert: 'ILLEGAL_TRANSITION', order: o };
    if (o.filled + volume > o.volume) {
      return { ok: false, reason: `overfill refused: ${o.filled} + ${volume} > ${o.volume}`, alert: 'OVERFILL', order: o };
    }
    if (o.side === 'SELL') {
      const held = this.book.position(o.code)?.volume ?? 0;
      if (volume > held) return { ok: false, reason: `oversell refused: selling ${volume} of ${o.code} with ${held} held`, alert: 'OVERFILL', order: o };
    }
    const amount = volume * price;
    const fee = this.feeTotal(o.side, o.filledAmount + amount, o.submittedTs) - o.feesCharged;
    o.fillIds.push(fillId);
    o.filled += volume;
    o.filledAmount += amount;
    o.feesCharged += fee;
    if (o.side === 'BUY') this.book.buyFill(o.code, volume, amount, fee, this.market.settlementLagDays);
    else this.book.sellFill(o.code, volume, amount, fee);
    if (lateAfterForce) return { ok: true, order: o, fill: { volume, price } };
    // Re-reserve for what is left (never more than before, since fills are at the limit or better).
    const remaining = (o.volume - o.filled) * o.price;
    const nextFrozen = o.filled >= o.volume ? 0 : this.frozenFor(o.side, o.filledAmount, remaining, o.submittedTs);
    this.book.releaseCash(o.frozenCash - nextFrozen);
    o.frozenCash = nextFrozen;
    this.setStatus(o, statusAfterFill(o.status, o.filled, o.volume), e.ts);
    return { ok: true, order: o, fill: { volume, price } };
  }

  /** Our own cancel request: open order -> CANCEL_PENDING, or CANCELLED at once when forced. */
  requestCancel(id: string, ts: number, force: boolean): { ok: true; order: OrderRecord } | { ok: false; reason: string } {
    const o = this.orders.get(id);
    if (!o) return { ok: false, reason: `unknown order ${id}` };
    if (isTerminal(o.status)) return { ok: false, reason: `order ${id} is already ${o.status}` };
    if (force) {
      o.forced = true;
      this.setStatus(o, 'CANCELLED', ts, 'force-cancelled');
      return { ok: true, order: o };
    }
    if (o.status === 'CANCEL_PENDING') return { ok: false, reason: `order ${id} already has a cancel pending` };
    const t = transition(o.status, 'CANCEL_PENDING');
    if (!t.ok) return { ok: false, reason: t.reason };
    this.setStatus(o, 'CANCEL_PENDING', ts);
    return { ok: true, order: o };
  }

  /** Day orders still open at settlement expire locally (the gateway's own EXPIRED then is a no-op). */
  expireOpen(ts: number): string[] {
    const ids: string[] = [];
    for (const o of this.open()) {
      this.setStatus(o, 'EXPIRED', ts, 'expired at settlement');
      ids.push(o.clientOrderId);
    }
    return ids;
  }

  /** Keeps every open order and at most `keep` finished ones (oldest finished dropped first). */
  prune(keep: number): void {
    let finished = this.orders.size - this.openIds.size;
    if (finished <= keep) return;
    for (const [id, o] of this.orders) {
      if (finished <= keep) break;
      if (isTerminal(o.status)) {
        this.orders.delete(id);
        finished -= 1;
      }
    }
  }

  toState(): OrderRecord[] {
    return [...this.orders.values()].map((o) => ({ ...o, fillIds: [...o.fillIds] }));
  }

  load(records: readonly OrderRecord[]): void {
    for (const r of records) {
      const o = { ...r, fillIds: [...r.fillIds] };
      this.orders.set(o.clientOrderId, o);
      if (!isTerminal(o.status)) this.openIds.add(o.clientOrderId);
    }
  }
}
