import type { MarketDataMessage } from '@ginkgo/contracts';
import { tradingDayOf, type MarketRules } from '@ginkgo/core';
import type { BrokerAccount } from './broker-adapter.js';

export interface Holding {
  volume: number;
  sellable: number;
}

export interface PaperAccount {
  cash: number;
  holdings: Map<string, Holding>;
  /** Trading day the sellable volumes are valid for (T+1 rolls them on the next day). */
  day: string;
  /** Shares bought (filled) per code on `day`: the base of the risk-warning daily buy cap. */
  boughtToday: Map<string, number>;
}

/** 100 million yuan: large enough that default paper accounts never refuse a sane order. */
const DEFAULT_CASH = 100_000_000_00;

type CorporateAction = Extract<MarketDataMessage, { type: 'corporate-action' }>;

/**
 * The paper venue's broker accounts: cash and holdings per account, opened with the default cash on first
 * sight. Shares bought on a T+n market become sellable on the next trading day the account is looked at.
 */
export class PaperAccounts {
  private readonly accounts = new Map<string, PaperAccount>();
  private readonly defaultCash: number;

  constructor(
    private readonly rules: MarketRules,
    opts: {
      defaultCashMinor?: number;
      accounts?: Record<string, { cashMinor: number; positions?: Record<string, number> }>;
    } = {},
  ) {
    this.defaultCash = opts.defaultCashMinor ?? DEFAULT_CASH;
    for (const [id, a] of Object.entries(opts.accounts ?? {})) {
      const holdings = new Map<string, Holding>();
      for (const [code, volume] of Object.entries(a.positions ?? {})) holdings.set(code, { volume, sellable: volume });
      this.accounts.set(id, { cash: a.cashMinor, holdings, day: '', boughtToday: new Map() });
    }
  }

  /** The account at `ts`, opened on first sight, with T+1 applied: holdings bought before today become sellable. */
  at(id: string, ts: number): PaperAccount {
    let a = this.accounts.get(id);
    if (!a)
      this.accounts.set(id, (a = { cash: this.defaultCash, holdings: new Map(), day: '', boughtToday: new Map() }));
    const day = tradingDayOf(this.rules, ts);
    if (day > a.day) {
      if (a.day !== '') for (const h of a.holdings.values()) h.sellable = h.volume;
      a.day = day;
      a.boughtToday.clear();
    }
    return a;
  }

  /** Books a fill: cash moves by the amount and the fee, the holding by the volume (sellable at once on T+0). */
  bookFill(
    account: PaperAccount,
    fill: { code: string; side: 'BUY' | 'SELL'; volume: number; price: number; fee: number; settlementLagDays: number },
  ): void {
    const holding = account.holdings.get(fill.code) ?? { volume: 0, sellable: 0 };
    if (fill.side === 'BUY') {
      account.cash -= fill.price * fill.volume + fill.fee;
      holding.volume += fill.volume;
      if (fill.settlementLagDays === 0) holding.sellable += fill.volume;
      account.boughtToday.set(fill.code, (account.boughtToday.get(fill.code) ?? 0) + fill.volume);
    } else {
      account.cash += fill.price * fill.volume - fill.fee;
      holding.volume -= fill.volume;
      holding.sellable -= fill.volume;
    }
    account.holdings.set(fill.code, holding);
  }

  /** A dividend is paid in cash, a split changes volume and sellable volume alike, in every account. */
  applyCorporateAction(m: CorporateAction): void {
    for (const a of this.accounts.values()) {
      const h = a.holdings.get(m.code);
      if (!h || h.volume === 0) continue;
      a.cash += h.volume * m.cashPerShareMinor;
      h.volume = Math.floor((h.volume * m.splitNumerator) / m.splitDenominator);
      h.sellable = Math.floor((h.sellable * m.splitNumerator) / m.splitDenominator);
    }
  }

  /** What the broker reports for an account (one never seen holds the default cash). */
  view(id: string, frozenCash: () => number): BrokerAccount {
    const a = this.accounts.get(id);
    if (!a) return { account: id, cash: this.defaultCash, frozenCash: 0, positions: [] };
    return {
      account: id,
      cash: a.cash,
      frozenCash: frozenCash(),
      positions: [...a.holdings]
        .filter(([, h]) => h.volume > 0)
        .map(([code, h]) => ({ code, volume: h.volume, sellable: h.sellable })),
    };
  }
}
