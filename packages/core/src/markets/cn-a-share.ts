import type { BoardRules, FeeComponent, MarketRules, RuleChange } from '../market-rules.js';
import { cnInstruments } from './cn-instruments.js';

/**
 * China A shares (SSE, SZSE, BSE) as dated data. Each change names its source: the exchange or regulator
 * notice and its date, and whether that was confirmed against public material (last checked 2026-12-01; the
 * exchanges' own pages were not reachable, so confirmations rest on news reports and broker notices quoting
 * them). Rules before the earliest date of an entry are not modelled. Known simplifications: the main-board
 * listing-day band of approval-based IPOs (+44%/-36%, before 2023-04-10) is not modelled (the board's 10%
 * applies); exchange fees are market-wide, so BSE's own transfer fee before 2022-04-29 (0.0025%) is not.
 */
const ONE_FEN: BoardRules['ticks'] = [{ upToMinor: null, tickMinor: 1 }];

/** SSE/SZSE/BSE continuous trading (see `sessionChanges`). */
const CN_SESSIONS = [
  { startMinute: 9 * 60 + 30, endMinute: 11 * 60 + 30 },
  { startMinute: 13 * 60, endMinute: 15 * 60 },
];

const MAIN_BOARD_LOT = { min: 100, step: 100, oddRemainderSell: true };

const SSE_TRADING_RULES =
  'SSE Trading Rules (2023 revision, 2023-02-17): buys in multiples of 100 shares, a remainder below 100 sold in one order, limit orders <= 1,000,000 shares, tick CNY 0.01 [lots confirmed: broker summaries; order size and tick not re-checked]';
const SZSE_TRADING_RULES =
  'SZSE Trading Rules (2023 revision, 2023-02-17): buys in multiples of 100 shares, a remainder below 100 sold in one order, limit orders <= 1,000,000 shares, tick CNY 0.01 [lots confirmed: broker summaries; order size and tick not re-checked]';
const ST_10PCT_SSE =
  'SSE Notice on adjusting the price limit of main-board risk-warning stocks (draft for comment 2025-06-27), folded into the SSE Trading Rules revision (draft 2026-04-10) in force from the trading day 2026-07-06: 5% -> 10% [confirmed: ME News/Gate 2026-07-05 and znews 2026-07 report the revised rules of SSE, SZSE and BSE in force 2026-07-06; Xinhua 2025-06-27 the draft]';
const ST_10PCT_SZSE =
  'SZSE Notice on adjusting the price limit of main-board risk-warning stocks (draft for comment 2025-06-27), consolidated into the SZSE Trading Rules revision in force from the trading day 2026-07-06: 5% -> 10% [confirmed, same reports]';
const REGISTRATION_MAIN =
  'CSRC full registration-based IPO system (2023-02-17); first registration-based main-board listings 2023-04-10: no price limit in the first 5 trading days (SSE/SZSE Trading Rules 2023) [confirmed: Yicai and Reuters 2023-04-10]';

const mainBoard = (exchangeRules: string, stSource: string, capChange: RuleChange[]): RuleChange[] => [
  {
    from: '1996-12-16',
    source: `SSE/SZSE: daily price limit of 10% on stocks restored from 1996-12-16 [confirmed: secondary histories]; ${exchangeRules}`,
    set: {
      priceLimitPpm: 100_000,
      stPriceLimitPpm: 100_000,
      lot: MAIN_BOARD_LOT,
      oddRemainderSell: true,
      ticks: ONE_FEN,
      maxOrderVolume: 1_000_000,
      stDailyBuyCap: null,
      ipoNoLimitDays: 0,
    },
  },
  {
    from: '1998-04-22',
    source:
      'SSE/SZSE announcement of 1998-04-22 (Stock Listing Rules 1998): special treatment (ST), daily limit 5% [confirmed: secondary histories]',
    set: { stPriceLimitPpm: 50_000 },
  },
  ...capChange,
  { from: '2023-04-10', source: REGISTRATION_MAIN, set: { ipoNoLimitDays: 5 } },
  { from: '2026-07-06', source: stSource, set: { stPriceLimitPpm: 100_000 } },
];

/** The cap on shares of one risk-warning stock an investor buys per day (orders placed plus filled). */
const SSE_ST_CAP: RuleChange = {
  from: '2013-01-04',
  source:
    'SSE Risk Warning Board Trading Measures, board in operation from 2013-01-04: at most 500,000 shares of one risk-warning stock bought per day, orders placed plus filled [confirmed: SSE notice of 2013-01-09 on enforcing it, China Securities Journal 2013-01-10]',
  set: { stDailyBuyCap: 500_000 },
};
const SZSE_ST_CAP: RuleChange = {
  from: '2021-05-17',
  source:
    'SZSE Trading Rules (2021-03 revision) art. 4.5.4, risk-warning board in force 2021-05-17: at most 500,000 shares of one risk-warning stock bought per day, orders placed plus filled [confirmed: broker notice 2021-05-15 quoting SZSE; no earlier SZSE cap found, so none before]',
  set: { stDailyBuyCap: 500_000 },
};

/** Exchange and government fees (the broker's commission is per Portfolio spec). */
const fees: FeeComponent[] = [
  {
    name: 'stamp-duty',
    side: 'sell',
    rate: '0.001',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2008-09-19',
    until: '2023-08-28',
    source:
      'MoF/STA: securities transaction stamp duty 0.1% on the seller only from 2008-09-19 [rate confirmed: reports of the 2023 cut; date not re-checked]',
  },
  {
    name: 'stamp-duty',
    side: 'sell',
    rate: '0.0005',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2023-08-28',
    source:
      'MoF/STA announcement 2023 No. 39 (2023-08-27): stamp duty halved to 0.05% (seller only) from 2023-08-28 [confirmed: Xinhua, AFP 2023-08-27]',
  },
  {
    name: 'transfer-fee',
    side: 'both',
    rate: '0.00002',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2015-08-01',
    until: '2022-04-29',
    source:
      'CSDC notice (2015-07): A-share transfer fee 0.002% of the traded amount, both sides, Shanghai and Shenzhen alike, from 2015-08-01 [confirmed: press report 2015-07-14 quoting CSDC]',
  },
  {
    name: 'transfer-fee',
    side: 'both',
    rate: '0.00001',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2022-04-29',
    source:
      'CSDC announcement of 2022-04-28: transfer fee cut to 0.001% of the traded amount, both sides (SSE, SZSE and BSE), from 2022-04-29 [confirmed: research note quoting CSDC]',
  },
];

export const cnAShareMarket: MarketRules = {
  id: 'cn',
  currency: 'CNY',
  utcOffsetMinutes: 8 * 60,
  sessions: CN_SESSIONS,
  sessionChanges: [
    {
      from: '1996-12-16',
      source:
        'SSE/SZSE Trading Rules: continuous trading 09:30-11:30 and 13:00-15:00; the 14:57-15:00 closing call (SZSE since 2006, SSE from 2018-08-20) lies inside the second [hours confirmed: Bloomberg 2010-10-17, SSE release 2018; the date is the start of the modelled range]',
      sessions: CN_SESSIONS,
    },
  ],
  weekendDays: [0, 6],
  holidays: [
    // SSE/SZSE/BSE closures for 2025 (SSE notice of 2024-12).
    '2025-01-01',
    '2025-01-28',
    '2025-01-29',
    '2025-01-30',
    '2025-01-31',
    '2025-02-03',
    '2025-02-04',
    '2025-04-04',
    '2025-05-01',
    '2025-05-02',
    '2025-05-05',
    '2025-06-02',
    '2025-10-01',
    '2025-10-02',
    '2025-10-03',
    '2025-10-06',
    '2025-10-07',
    '2025-10-08',
    // SSE/SZSE/BSE notice on the 2026 holiday closures (2025-12-22), weekdays only.
    '2026-01-01',
    '2026-01-02',
    '2026-02-16',
    '2026-02-17',
    '2026-02-18',
    '2026-02-19',
    '2026-02-20',
    '2026-02-23',
    '2026-04-06',
    '2026-05-01',
    '2026-05-04',
    '2026-05-05',
    '2026-06-19',
    '2026-09-25',
    '2026-10-01',
    '2026-10-02',
    '2026-10-05',
    '2026-10-06',
    '2026-10-07',
  ],
  settlementLagDays: 1,
  settlementChanges: [
    {
      from: '1995-01-01',
      source:
        'SSE/SZSE Trading Rules: T+1, shares bought are sellable from the next trading day (A shares since 1995-01-01) [rule confirmed: broker summaries; the date not confirmed]',
      lagDays: 1,
    },
  ],
  // Matched in order: STAR (688/689) before the rest of SSE; SSE main A shares 600/601/603/605, SZSE main
  // 000/001/002/003 (the SME board merged into it on 2021-04-06), ChiNext 300/301/302.
  boards: [
    {
      id: 'star',
      name: 'STAR Market',
      suffix: 'SH',
      prefixes: ['688', '689'],
      changes: [
        {
          from: '2019-07-22',
          source:
            'SSE STAR Market Trading Special Provisions (2019-03-01; first listings 2019-07-22): 20% limit for all (risk warning included), no limit in the first 5 trading days, at least 200 shares then steps of 1, a remainder below 200 sold in one order, limit orders <= 100,000 shares; the SSE risk-warning cap of 500,000 shares applies [confirmed: SSE STAR Q&A 2019-07-19 (limits), exam and broker summaries of the Provisions (lots, order size)]',
          set: {
            priceLimitPpm: 200_000,
            stPriceLimitPpm: 200_000,
            lot: { min: 200, step: 1, oddRemainderSell: true },
            oddRemainderSell: true,
            ticks: ONE_FEN,
            maxOrderVolume: 100_000,
            stDailyBuyCap: 500_000,
            ipoNoLimitDays: 5,
          },
        },
      ],
    },
    {
      id: 'sse-main',
      name: 'SSE main board',
      suffix: 'SH',
      prefixes: ['60'],
      changes: mainBoard(SSE_TRADING_RULES, ST_10PCT_SSE, [SSE_ST_CAP]),
    },
    {
      id: 'chinext',
      name: 'ChiNext',
      suffix: 'SZ',
      prefixes: ['30'],
      changes: [
        {
          from: '2009-10-30',
          source: `SZSE ChiNext opened 2009-10-30 under the main-board trading rules (10%, risk warning 5%) [confirmed: secondary]; ${SZSE_TRADING_RULES}`,
          set: {
            priceLimitPpm: 100_000,
            stPriceLimitPpm: 50_000,
            lot: MAIN_BOARD_LOT,
            oddRemainderSell: true,
            ticks: ONE_FEN,
            maxOrderVolume: 1_000_000,
            stDailyBuyCap: null,
            ipoNoLimitDays: 0,
          },
        },
        {
          from: '2020-08-24',
          source:
            'SZSE ChiNext Trading Special Provisions (registration reform, first trading day 2020-08-24): 20% limit for all stocks, risk warning included; no limit in the first 5 trading days after an IPO; limit orders <= 300,000 shares [confirmed: CSDC notice of 2020-08-18 (risk warning 20% from 2020-08-24), China Daily 2020-08-18]',
          set: { priceLimitPpm: 200_000, stPriceLimitPpm: 200_000, maxOrderVolume: 300_000, ipoNoLimitDays: 5 },
        },
        SZSE_ST_CAP,
      ],
    },
    {
      id: 'szse-main',
      name: 'SZSE main board',
      suffix: 'SZ',
      prefixes: ['00'],
      changes: mainBoard(SZSE_TRADING_RULES, ST_10PCT_SZSE, [SZSE_ST_CAP]),
    },
    {
      id: 'bse',
      name: 'Beijing Stock Exchange',
      suffix: 'BJ',
      prefixes: ['8', '4', '92'],
      changes: [
        {
          from: '2021-11-15',
          source:
            'BSE Trading Rules (trial, first trading day 2021-11-15): 30% limit, none on the listing day, at least 100 shares then steps of 1, a remainder below 100 sold in one order, orders <= 1,000,000 shares [confirmed: Xinhua 2021-11-15 and CGTN (limits), broker summaries (lots); order size not confirmed]',
          set: {
            priceLimitPpm: 300_000,
            stPriceLimitPpm: 300_000,
            lot: { min: 100, step: 1, oddRemainderSell: true },
            oddRemainderSell: true,
            ticks: ONE_FEN,
            maxOrderVolume: 1_000_000,
            stDailyBuyCap: null,
            ipoNoLimitDays: 1,
          },
        },
      ],
    },
  ],
  fees,
  // Typical retail rates (0.025%, at least 5 yuan); a Portfolio spec names its broker's own.
  defaultCommission: { rate: '0.00025', minMinor: 500 },
  reference: cnInstruments,
};
