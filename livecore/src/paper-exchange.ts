import type { SubmitOrder } from '@ginkgo/contracts';
import type { BrokerAdapter, BrokerReport } from './broker-adapter.js';

interface RestingOrder {
  order: SubmitOrder;
  filled: number;
  brokerOrderId: string;
}

export interface PaperExchangeOptions {
  /** Largest volume filled per match; smaller than the order volume gives partial fills. */
  maxFillVolume?: number;
  /** Fill marketable orders at once on submission (at the order price) when no quote is known. */
  fillOnSubmit?: boolean;
}

/**
 * A simulated exchange: accepts orders, fills them against the last known price (or at
 * their limit when no quote is known), honours cancels. Deterministic: ids come from a counter.
 */
export class PaperExchange implements BrokerAdapter {
  readonly name = 'paper';
  private readonly listeners: ((r: BrokerReport) => void)[] = [];
  private readonly open = new Map<string, RestingOrder>();
  private readonly lastPrice = new Map<string, number>();
  private seq = 0;
  private fillSeq = 0;

  constructor(private readonly opts: PaperExchangeOptions = {}) {}

  onReport(listener: (r: BrokerReport) => void): void {
    this.listeners.push(listener);
  }

  private emit(r: BrokerReport): void {
    for (const l of this.listeners) l(r);
  }

  async submit(order: SubmitOrder): Promise<void> {
    const brokerOrderId = `paper-${++this.seq}`;
    const resting: RestingOrder = { order, filled: 0, brokerOrderId };
    this.open.set(order.clientOrderId, resting);
    this.emit({ clientOrderId: order.clientOrderId, event: 'ACCEPTED', brokerOrderId, ts: order.ts });
    const quote = this.lastPrice.get(order.code);
    if (quote !== undefined) this.match(resting, quote, order.ts);
    else if (this.opts.fillOnSubmit ?? true) this.match(resting, order.price, order.ts);
  }

  async cancel(clientOrderId: string, ts: number): Promise<void> {
    const resting = this.open.get(clientOrderId);
    if (!resting) {
      this.emit({ clientOrderId, event: 'REJECTED', reason: 'cancel refused: order not open', ts });
      return;
    }
    this.open.delete(clientOrderId);
    this.emit({ clientOrderId, event: 'CANCELLED', brokerOrderId: resting.brokerOrderId, ts });
  }

  /** Market data drives matching of resting orders. */
  onPrice(code: string, price: number, ts: number): void {
    this.lastPrice.set(code, price);
    for (const resting of [...this.open.values()]) if (resting.order.code === code) this.match(resting, price, ts);
  }

  private match(resting: RestingOrder, price: number, ts: number): void {
    const { order } = resting;
    const marketable = order.orderType === 'MARKET' || (order.side === 'BUY' ? price <= order.price : price >= order.price);
    if (!marketable) return;
    const fillPrice = order.orderType === 'MARKET' ? price : order.side === 'BUY' ? Math.min(price, order.price) : Math.max(price, order.price);
    while (resting.filled < order.volume) {
      const volume = Math.min(order.volume - resting.filled, this.opts.maxFillVolume ?? order.volume);
      resting.filled += volume;
      const done = resting.filled === order.volume;
      this.emit({
        clientOrderId: order.clientOrderId,
        event: done ? 'FILLED' : 'PARTIALLY_FILLED',
        brokerOrderId: resting.brokerOrderId,
        fillId: `paper-fill-${++this.fillSeq}`,
        fillVolume: volume,
        fillPrice,
        ts,
      });
      if (done) this.open.delete(order.clientOrderId);
    }
  }

  async close(): Promise<void> {
    this.open.clear();
  }
}
