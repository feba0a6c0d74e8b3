import { mulDiv } from './money.js';

/**
 * Cash and positions in integer minor units. Cost basis includes buy fees, realised PnL is net of sell
 * fees and includes dividends, so that at every moment
 *   equity = cash + market value = initial cash + realised PnL + unrealised PnL.
 */
export interface PositionState {
  code: string;
  volume: number;
  /** Volume that may be sold now (T+1: excludes what was bought since the last settlement). */
  sellable: number;
  /** Volume reserved by open sell orders. */
  frozenSell: number;
  /** Remaining cost basis of `volume`, fees included. */
  costMinor: number;
  suspended: boolean;
}

export interface BookState {
  initialCash: number;
  cash: number;
  /** Part of `cash` reserved by open orders. */
  frozenCash: number;
  realizedPnl: number;
  feesPaid: number;
  dividends: number;
  positions: PositionState[];
}

export class PositionBook {
  readonly initialCash: number;
  cash: number;
  frozenCash = 0;
  realizedPnl = 0;
  feesPaid = 0;
  dividends = 0;
  readonly positions = new Map<string, PositionState>();

  constructor(initialCash: number) {
    this.initialCash = initialCash;
    this.cash = initialCash;
  }

  get availableCash(): number {
    return this.cash - this.frozenCash;
  }

  position(code: string): PositionState | undefined {
    return this.positions.get(code);
  }

  /** Volume that a new sell order may still take. */
  availableToSell(code: string): number {
    const p = this.positions.get(code);
    return p ? Math.max(0, p.sellable - p.frozenSell) : 0;
  }

  private ensure(code: string): PositionState {
    let p = this.positions.get(code);
    if (!p) {
      p = { code, volume: 0, sellable: 0, frozenSell: 0, costMinor: 0, suspended: false };
      this.positions.set(code, p);
    }
    return p;
  }

  freezeCash(amount: number): void {
    this.frozenCash += amount;
  }

  releaseCash(amount: number): void {
    this.frozenCash -= amount;
  }

  freezeSell(code: string, volume: number): void {
    this.ensure(code).frozenSell += volume;
  }

  releaseSell(code: string, volume: number): void {
    const p = this.positions.get(code);
    if (p) p.frozenSell = Math.max(0, p.frozenSell - volume);
  }

  /** Books a buy fill; with a settlement lag the new shares become sellable only at settlement. */
  buyFill(code: string, volume: number, amount: number, fee: number, settlementLagDays: number): void {
    const p = this.ensure(code);
    p.volume += volume;
    if (settlementLagDays === 0) p.sellable += volume;
    p.costMinor += amount + fee;
    this.cash -= amount + fee;
    this.feesPaid += fee;
  }

  /** Books a sell fill and returns the realised PnL of it (proceeds - fees - released cost basis). */
  sellFill(code: string, volume: number, amount: number, fee: number): number {
    const p = this.ensure(code);
    const released = volume >= p.volume ? p.costMinor : mulDiv(p.costMinor, volume, p.volume, 'half-up');
    p.volume -= volume;
    p.sellable = Math.max(0, p.sellable - volume);
    p.frozenSell = Math.max(0, p.frozenSell - volume);
    p.costMinor -= released;
    this.cash += amount - fee;
    this.feesPaid += fee;
    const pnl = amount - fee - released;
    this.realizedPnl += pnl;
    if (p.volume === 0 && p.frozenSell === 0 && !p.suspended) this.positions.delete(code);
    return pnl;
  }

  /** End of day: everything held becomes sellable (T+1 roll). */
  rollSellable(): void {
    for (const p of this.positions.values()) p.sellable = p.volume;
  }

  /** Cash dividend credited on the whole holding; counted as realised PnL. */
  dividend(code: string, perShareMinor: number): number {
    const p = this.positions.get(code);
    if (!p || p.volume === 0 || perShareMinor <= 0) return 0;
    const amount = p.volume * perShareMinor;
    this.cash += amount;
    this.realizedPnl += amount;
    this.dividends += amount;
    return amount;
  }

  /** Share split/bonus: volume x ratio (fractions dropped), cost basis kept, so average cost / ratio. */
  split(code: string, numerator: number, denominator: number): { before: number; after: number } | undefined {
    const p = this.positions.get(code);
    if (!p || numerator === denominator) return undefined;
    const before = p.volume;
    p.volume = mulDiv(p.volume, numerator, denominator, 'floor');
    p.sellable = mulDiv(p.sellable, numerator, denominator, 'floor');
    p.frozenSell = mulDiv(p.frozenSell, numerator, denominator, 'floor');
    return { before, after: p.volume };
  }

  setSuspended(code: string, suspended: boolean): void {
    const p = this.positions.get(code);
    if (p) p.suspended = suspended;
  }

  toState(): BookState {
    return {
      initialCash: this.initialCash,
      cash: this.cash,
      frozenCash: this.frozenCash,
      realizedPnl: this.realizedPnl,
      feesPaid: this.feesPaid,
      dividends: this.dividends,
      positions: [...this.positions.values()].map((p) => ({ ...p })),
    };
  }

  static fromState(s: BookState): PositionBook {
    const b = new PositionBook(s.initialCash);
    b.cash = s.cash;
    b.frozenCash = s.frozenCash;
    b.realizedPnl = s.realizedPnl;
    b.feesPaid = s.feesPaid;
    b.dividends = s.dividends;
    for (const p of s.positions) b.positions.set(p.code, { ...p });
    return b;
  }
}
