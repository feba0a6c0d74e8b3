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

export const emptyBook = (initialCash: number): BookState => ({
  initialCash,
  cash: initialCash,
  frozenCash: 0,
  realizedPnl: 0,
  feesPaid: 0,
  dividends: 0,
  positions: [],
});

/**
 * Books fills, dividends and splits on a BookState in place: the state (with positions as an array in
 * insertion order) is what the engine snapshots; `positions` is only an index by code over it.
 */
export class PositionBook {
  private readonly s: BookState;
  private readonly byCode = new Map<string, PositionState>();

  /** A new book with `initialCash`, or a book working on `state` in place. */
  constructor(initial: number | BookState) {
    this.s = typeof initial === 'number' ? emptyBook(initial) : initial;
    for (const p of this.s.positions) this.byCode.set(p.code, p);
  }

  get initialCash(): number {
    return this.s.initialCash;
  }
  get cash(): number {
    return this.s.cash;
  }
  get frozenCash(): number {
    return this.s.frozenCash;
  }
  get realizedPnl(): number {
    return this.s.realizedPnl;
  }
  get feesPaid(): number {
    return this.s.feesPaid;
  }
  get dividends(): number {
    return this.s.dividends;
  }
  get positions(): ReadonlyMap<string, PositionState> {
    return this.byCode;
  }

  get availableCash(): number {
    return this.s.cash - this.s.frozenCash;
  }

  position(code: string): PositionState | undefined {
    return this.byCode.get(code);
  }

  /** Volume that a new sell order may still take. */
  availableToSell(code: string): number {
    const p = this.byCode.get(code);
    return p ? Math.max(0, p.sellable - p.frozenSell) : 0;
  }

  private ensure(code: string): PositionState {
    let p = this.byCode.get(code);
    if (!p) {
      p = { code, volume: 0, sellable: 0, frozenSell: 0, costMinor: 0, suspended: false };
      this.s.positions.push(p);
      this.byCode.set(code, p);
    }
    return p;
  }

  freezeCash(amount: number): void {
    this.s.frozenCash += amount;
  }

  releaseCash(amount: number): void {
    this.s.frozenCash -= amount;
  }

  freezeSell(code: string, volume: number): void {
    this.ensure(code).frozenSell += volume;
  }

  releaseSell(code: string, volume: number): void {
    const p = this.byCode.get(code);
    if (p) p.frozenSell = Math.max(0, p.frozenSell - volume);
  }

  /** Books a buy fill; with a settlement lag the new shares become sellable only at settlement. */
  buyFill(code: string, volume: number, amount: number, fee: number, settlementLagDays: number): void {
    const p = this.ensure(code);
    p.volume += volume;
    if (settlementLagDays === 0) p.sellable += volume;
    p.costMinor += amount + fee;
    this.s.cash -= amount + fee;
    this.s.feesPaid += fee;
  }

  /** Makes bought shares sellable now (a buy of a day already settled, booked late). */
  unlockSellable(code: string, volume: number): void {
    const p = this.byCode.get(code);
    if (p) p.sellable = Math.min(p.volume, p.sellable + volume);
  }

  /** Books a sell fill and returns the realised PnL of it (proceeds - fees - released cost basis). */
  sellFill(code: string, volume: number, amount: number, fee: number): number {
    const p = this.ensure(code);
    const released = volume >= p.volume ? p.costMinor : mulDiv(p.costMinor, volume, p.volume, 'half-up');
    p.volume -= volume;
    p.sellable = Math.max(0, p.sellable - volume);
    p.frozenSell = Math.max(0, p.frozenSell - volume);
    p.costMinor -= released;
    this.s.cash += amount - fee;
    this.s.feesPaid += fee;
    const pnl = amount - fee - released;
    this.s.realizedPnl += pnl;
    if (p.volume === 0 && p.frozenSell === 0 && !p.suspended) this.remove(p);
    return pnl;
  }

  /** End of day: everything held becomes sellable (T+1 roll). */
  rollSellable(): void {
    for (const p of this.s.positions) p.sellable = p.volume;
  }

  /** Cash dividend credited on the whole holding; counted as realised PnL. */
  dividend(code: string, perShareMinor: number): number {
    const p = this.byCode.get(code);
    if (!p || p.volume === 0 || perShareMinor <= 0) return 0;
    const amount = p.volume * perShareMinor;
    this.s.cash += amount;
    this.s.realizedPnl += amount;
    this.s.dividends += amount;
    return amount;
  }

  /** Share split/bonus: volume x ratio (fractions dropped), cost basis kept, so average cost / ratio. */
  split(code: string, numerator: number, denominator: number): { before: number; after: number } | undefined {
    const p = this.byCode.get(code);
    if (!p || numerator === denominator) return undefined;
    const before = p.volume;
    p.volume = mulDiv(p.volume, numerator, denominator, 'floor');
    p.sellable = mulDiv(p.sellable, numerator, denominator, 'floor');
    p.frozenSell = mulDiv(p.frozenSell, numerator, denominator, 'floor');
    return { before, after: p.volume };
  }

  setSuspended(code: string, suspended: boolean): void {
    const p = this.byCode.get(code);
    if (p) p.suspended = suspended;
  }

  private remove(p: PositionState): void {
    this.byCode.delete(p.code);
    this.s.positions.splice(this.s.positions.indexOf(p), 1);
  }

  /** A copy of the book's state. */
  toState(): BookState {
    return { ...this.s, positions: this.s.positions.map((p) => ({ ...p })) };
  }

  /** A book over a copy of `s`. */
  static fromState(s: BookState): PositionBook {
    return new PositionBook({ ...s, positions: s.positions.map((p) => ({ ...p })) });
  }
}
