/** Shares of each code bought (filled) on one trading day: the base of the risk-warning daily buy cap. */
export interface DailyBuysState {
  day: string;
  codes: [string, number][];
}

export class DailyBuys {
  private day = '';
  private readonly byCode = new Map<string, number>();

  /** Counts a buy fill of an order placed on `day`; a new day starts from zero. */
  add(day: string, code: string, volume: number): void {
    if (day !== this.day) {
      if (day < this.day) return;
      this.day = day;
      this.byCode.clear();
    }
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + volume);
  }

  filled(day: string, code: string): number {
    return day === this.day ? (this.byCode.get(code) ?? 0) : 0;
  }

  toState(): DailyBuysState {
    return { day: this.day, codes: [...this.byCode] };
  }

  static from(s: DailyBuysState | undefined): DailyBuys {
    const d = new DailyBuys();
    if (s) {
      d.day = s.day;
      for (const [c, v] of s.codes) d.byCode.set(c, v);
    }
    return d;
  }
}
