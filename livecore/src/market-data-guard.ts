import type { MarketDataMessage } from '@ginkgo/contracts';
import { cnAShareMarket, limitPrices, tradingDayOf, type MarketRules } from '@ginkgo/core';

/**
 * Last line before Kafka: a message that a sane feed cannot produce is dropped with a reason, so a
 * broken source never reaches the portfolios. Checks: positive price, inside the day's price
 * limits when the previous close is known, source time not going backwards per code, no repeated id.
 */
export class MarketDataGuard {
  private readonly lastTs = new Map<string, number>();
  private readonly prevClose = new Map<string, number>();
  private readonly seenIds = new Set<string>();
  private readonly idOrder: string[] = [];

  constructor(
    private readonly rules: MarketRules = cnAShareMarket,
    private readonly idWindow = 100_000,
  ) {}

  /** Undefined when the message may be published, else why not. */
  check(m: MarketDataMessage): string | undefined {
    if (this.seenIds.has(m.eventId)) return `duplicate event id ${m.eventId}`;
    if (m.type === 'price') {
      if (!(m.price > 0)) return `${m.code}: non-positive price`;
      const last = this.lastTs.get(m.code);
      if (last !== undefined && m.ts < last) return `${m.code}: source time went backwards (${m.ts} < ${last})`;
      const base = m.prevClose ?? this.prevClose.get(m.code);
      const limits = base !== undefined ? limitPrices(this.rules, m.code, base, tradingDayOf(this.rules, m.ts)) : null;
      if (limits && (m.price > limits.up || m.price < limits.down))
        return `${m.code}: price ${m.price} outside the limits ${limits.down}-${limits.up}`;
    }
    return undefined;
  }

  /** Records a message that was published. */
  accept(m: MarketDataMessage): void {
    this.seenIds.add(m.eventId);
    this.idOrder.push(m.eventId);
    if (this.idOrder.length > this.idWindow) this.seenIds.delete(this.idOrder.shift() ?? '');
    if (m.type === 'price') {
      this.lastTs.set(m.code, m.ts);
      if (m.prevClose !== undefined) this.prevClose.set(m.code, m.prevClose);
    }
  }
}
