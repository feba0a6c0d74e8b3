import { KeyedEntries } from './keyed-entries.js';

/** Shares of each code bought (filled) on one trading day: the base of the risk-warning daily buy cap. */
export interface DailyBuysState {
  day: string;
  codes: [string, number][];
}

export const emptyDailyBuys = (): DailyBuysState => ({ day: '', codes: [] });

/** Reads and updates a DailyBuysState in place. */
export class DailyBuys {
  private readonly byCode: KeyedEntries<number>;

  constructor(private readonly state: DailyBuysState = emptyDailyBuys()) {
    this.byCode = new KeyedEntries(state.codes);
  }

  /** Counts a buy fill of an order placed on `day`; a new day starts from zero, an older day is ignored. */
  add(day: string, code: string, volume: number): void {
    if (day !== this.state.day) {
      if (day < this.state.day) return;
      this.state.day = day;
      this.byCode.clear();
    }
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + volume);
  }

  filled(day: string, code: string): number {
    return day === this.state.day ? (this.byCode.get(code) ?? 0) : 0;
  }
}
