import { minorToDecimal, type CommissionSchedule, type OrderEvent } from '@ginkgo/contracts';
import { orderFeeTotal, settlementLagOn, type Commission, type MarketRules } from './market-rules.js';
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
  /**
   * Ended locally without the broker's word: a manual force-cancel, or a day order expired at settlement. A
   * fill the broker reports afterwards is a real trade and is still booked.
   */
  forced: boolean;
  statusReason?: string;
}

/** What a new order is made of; the book adds the fill, fee and status fields. */
export type NewOrder = Pick<
  OrderRecord,
  'clientOrderId' | 'code' | 'side' | 'orderType' | 'price' | 'volume' | 'submittedTs' | 'reason'
>;

export type OrderEventOutcome =
  | {
      ok: true;
      order: OrderRecord;
      /** The fill and the fees it booked (the increase of the order's cumulative fees). */
      fill?: { volume: number; price: number; fee: number };
      /** The fill came after the order was ended locally (force-cancel, expiry at settlement). */
      late?: boolean;
    }
  | { ok: false; reason: string; alert?: 'ILLEGAL_TRANSITION' | 'OVERFILL' | 'UNKNOWN_ORDER'; order?: OrderRecord };

/**
 * Orders and the cash/volume they reserve. Buy orders freeze the limit amount plus the fees it would
 * cost; every fill charges the increase of the order's cumulative fees, so the minimum commission is
 * charged once and rounding never accumulates.
 */
export class OrderBook {
  /** Index by id over `records`, the array (in submission order) that the engine state holds. */
  readonly orders = new Map<string, OrderRecord>();
  private readonly openIds = new Set<string>();

  /** The portfolio's commission (its spec's, else the market's default). */
  readonly commission: Commission;
  /** The same, as every order carries it to the venue. */
  readonly commissionSchedule: CommissionSchedule;

  /**
   * Fees follow the rules of the order's trading day and the portfolio's commission (the market's default
   * if none). Works on `records` in place.
   */
  constructor(
    private readonly book: PositionBook,
    private readonly market: MarketRules,
    commission?: Commission,
    private readonly records: OrderRecord[] = [],
  ) {
    this.commission = commission ?? market.defaultCommission;
    this.commissionSchedule = { rate: this.commission.rate, minimum: minorToDecimal(this.commission.minMinor) };
    for (const o of records) this.index(o);
  }

  private index(o: OrderRecord): void {
    this.orders.set(o.clientOrderId, o);
    if (!isTerminal(o.status)) this.openIds.add(o.clientOrderId);
  }

  /** Adds a record, or replaces the one with its id in place (as Map.set would). */
  private put(o: OrderRecord): void {
    const old = this.orders.get(o.clientOrderId);
    if (old) this.records[this.records.indexOf(old)] = o;
    else this.records.push(o);
    this.index(o);
  }

  /** Total fees of an order placed at `ts` whose cumulative filled amount is `amount`. */
  feeTotal(side: 'BUY' | 'SELL', amount: number, ts: number): number {
    return orderFeeTotal(this.market, side, amount, {
      day: tradingDayOf(this.market, ts),
      commission: this.commission,
    });
  }

  /** T+n of an order placed at `ts` (the market data's, by its trading day). */
  private settlementLag(ts: number): number {
    return settlementLagOn(this.market, tradingDayOf(this.market, ts));
  }

  get(id: string): OrderRecord | undefined {
    return this.orders.get(id);
  }

  /** How many orders are open (the timeout check has nothing to do when none is). */
  get openCount(): number {
    return this.openIds.size;
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

  /**
   * Records a new order. The record is one literal with a fixed field order (that of stored snapshots): built
   * from a spread instead, V8 made each record a slow object, which cost more than the rest of the order path.
   */
  submit(o: NewOrder): OrderRecord {
    const rec: OrderRecord = {
      clientOrderId: o.clientOrderId,
      code: o.code,
      side: o.side,
      orderType: o.orderType,
      price: o.price,
      volume: o.volume,
      submittedTs: o.submittedTs,
      reason: o.reason,
      filled: 0,
      filledAmount: 0,
      feesCharged: 0,
      frozenCash: 0,
      status: 'NEW',
      updatedTs: o.submittedTs,
      fillIds: [],
      forced: false,
    };
    rec.frozenCash = this.cashToFreeze(rec.side, rec.price, rec.volume, rec.submittedTs);
    this.book.freezeCash(rec.frozenCash);
    if (rec.side === 'SELL') this.book.freezeSell(rec.code, rec.volume);
    // Handing the intent to the caller is the submission.
    rec.status = 'SUBMITTED';
    this.put(rec);
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
    // The venue's own end of an order we ended locally (its EXPIRED at the close, a CANCELLED or REJECTED that
    // crossed our force-cancel): nothing left to change, and nothing wrong.
    if (o.forced && isTerminal(o.status) && e.event !== 'ACCEPTED')
      return { ok: false, reason: `${e.event} after the order ended locally (${o.status}) ignored`, order: o };
    if (
      e.event === 'ACCEPTED' &&
      (o.status === 'PARTIALLY_FILLED' ||
        o.status === 'FILLED' ||
        o.status === 'CANCEL_PENDING' ||
        (o.forced && isTerminal(o.status)))
    ) {
      // The acknowledgement was overtaken by a fill, our cancel or our local end: nothing to change.
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
    // Ended by us alone (force-cancel, expiry at settlement): the broker's fill still happened and is booked.
    const lateAfterForce = o.forced && (o.status === 'CANCELLED' || o.status === 'EXPIRED');
    if (isTerminal(o.status) && !lateAfterForce)
      return {
        ok: false,
        reason: `illegal transition ${o.status} -> ${e.event}`,
        alert: 'ILLEGAL_TRANSITION',
        order: o,
      };
    if (o.filled + volume > o.volume) {
      return {
        ok: false,
        reason: `overfill refused: ${o.filled} + ${volume} > ${o.volume}`,
        alert: 'OVERFILL',
        order: o,
      };
    }
    if (o.side === 'SELL') {
      const held = this.book.position(o.code)?.volume ?? 0;
      if (volume > held)
        return {
          ok: false,
          reason: `oversell refused: selling ${volume} of ${o.code} with ${held} held`,
          alert: 'OVERFILL',
          order: o,
        };
    }
    const amount = volume * price;
    // The local end released what the order reserved; a late sell takes its shares back from the reservation
    // sellFill releases, so other open sells of the code keep theirs.
    if (lateAfterForce && o.side === 'SELL') this.book.freezeSell(o.code, volume);
    const fee = this.feeTotal(o.side, o.filledAmount + amount, o.submittedTs) - o.feesCharged;
    o.fillIds.push(fillId);
    o.filled += volume;
    o.filledAmount += amount;
    o.feesCharged += fee;
    if (o.side === 'BUY') this.book.buyFill(o.code, volume, amount, fee, this.settlementLag(o.submittedTs));
    else this.book.sellFill(o.code, volume, amount, fee);
    if (lateAfterForce) return { ok: true, order: o, fill: { volume, price, fee }, late: true };
    // Re-reserve for what is left (never more than before, since fills are at the limit or better).
    const remaining = (o.volume - o.filled) * o.price;
    const nextFrozen = o.filled >= o.volume ? 0 : this.frozenFor(o.side, o.filledAmount, remaining, o.submittedTs);
    this.book.releaseCash(o.frozenCash - nextFrozen);
    o.frozenCash = nextFrozen;
    this.setStatus(o, statusAfterFill(o.status, o.filled, o.volume), e.ts);
    return { ok: true, order: o, fill: { volume, price, fee } };
  }

  /** Our own cancel request: open order -> CANCEL_PENDING, or CANCELLED at once when forced. */
  requestCancel(
    id: string,
    ts: number,
    force: boolean,
  ): { ok: true; order: OrderRecord } | { ok: false; reason: string } {
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

  /**
   * Day orders still open at settlement expire locally (the gateway's own EXPIRED then is a no-op). The venue's
   * report of a fill before its close may still be on its way (a replay runs faster than reports travel): it is
   * booked when it comes.
   */
  expireOpen(ts: number): string[] {
    const ids: string[] = [];
    for (const o of this.open()) {
      o.forced = true;
      this.setStatus(o, 'EXPIRED', ts, 'expired at settlement');
      ids.push(o.clientOrderId);
    }
    return ids;
  }

  /** Keeps every open order and at most `keep` finished ones (oldest finished dropped first). */
  prune(keep: number): void {
    let finished = this.orders.size - this.openIds.size;
    if (finished <= keep) return;
    // Oldest finished first; the records array is compacted in place.
    let w = 0;
    for (const o of this.records) {
      if (finished > keep && isTerminal(o.status)) {
        this.orders.delete(o.clientOrderId);
        finished -= 1;
      } else this.records[w++] = o;
    }
    this.records.length = w;
  }

  /** Copies of all records, in submission order. */
  toState(): OrderRecord[] {
    return this.records.map((o) => ({ ...o, fillIds: [...o.fillIds] }));
  }

  /** Adds copies of `records`. */
  load(records: readonly OrderRecord[]): void {
    for (const r of records) this.put({ ...r, fillIds: [...r.fillIds] });
  }
}
