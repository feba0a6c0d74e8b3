import type { BoardRules, FeeComponent, MarketRules, RuleChange } from '../market-rules.js';
import { hkInstruments } from './hk-instruments.js';

/**
 * Hong Kong equities (SEHK main board and GEM) as dated data: board lots per stock (reference data), no
 * daily price limit, shares sellable on the day they are bought, stamp duty on both sides rounded up to the
 * dollar, trading fee, SFC and AFRC levies, HKSCC settlement fee, a lunch break. Prices are in cents; the
 * spread table's sub-cent ticks (prices up to HK$0.50) divide the cent, so every cent price is on their grid.
 */
const SPREADS_ORIGINAL: BoardRules['ticks'] = [
  { upToMinor: 50, tickMinor: 1 },
  { upToMinor: 1_000, tickMinor: 1 },
  { upToMinor: 2_000, tickMinor: 2 },
  { upToMinor: 10_000, tickMinor: 5 },
  { upToMinor: 20_000, tickMinor: 10 },
  { upToMinor: 50_000, tickMinor: 20 },
  { upToMinor: 100_000, tickMinor: 50 },
  { upToMinor: 200_000, tickMinor: 100 },
  { upToMinor: 500_000, tickMinor: 200 },
  { upToMinor: null, tickMinor: 500 },
];

/** Phase 1 of the reduction of minimum spreads: HK$10-20 0.02 -> 0.01, HK$20-50 0.05 -> 0.02. */
const SPREADS_2025: BoardRules['ticks'] = [
  { upToMinor: 2_000, tickMinor: 1 },
  { upToMinor: 5_000, tickMinor: 2 },
  { upToMinor: 10_000, tickMinor: 5 },
  ...SPREADS_ORIGINAL.slice(4),
];

/** Continuous trading from 2012-03-05 (see `sessionChanges`). */
const HK_SESSIONS_2012 = [
  { startMinute: 9 * 60 + 30, endMinute: 12 * 60 },
  { startMinute: 13 * 60, endMinute: 16 * 60 },
];

const changes: RuleChange[] = [
  {
    from: '2012-03-05',
    source:
      'HKEX Rules of the Exchange: no daily price limit; trading in board lots set per stock by the issuer (odd lots only on the odd-lot market); spread table (Schedule to the Rules); trading hours 09:30-12:00, 13:00-16:00 from 2012-03-05 [confirmed: HKEX FAQ (sessions); the 3,000-board-lot maximum order size is not modelled]',
    set: {
      priceLimitPpm: null,
      stPriceLimitPpm: null,
      lot: null,
      oddRemainderSell: false,
      ticks: SPREADS_ORIGINAL,
      maxOrderVolume: null,
      stDailyBuyCap: null,
      ipoNoLimitDays: 0,
    },
  },
  {
    from: '2025-08-04',
    source:
      'HKEX consultation conclusions on the reduction of minimum spreads (2024-12-17); phase 1 in force 2025-08-04 (HK$10-20 tick 0.01, HK$20-50 tick 0.02) [confirmed: HKEX page, reports of 2025-08]; phase 2 (HK$0.50-10 tick 0.005, mid-2026, date not confirmed) divides the cent and changes nothing here',
    set: { ticks: SPREADS_2025 },
  },
];

/** Fees from 2012-03-05 (the start of the modelled range), each with its source. */
const fees: FeeComponent[] = [
  {
    name: 'stamp-duty',
    side: 'both',
    rate: '0.001',
    rounding: 'up',
    roundToMinor: 100,
    from: '2012-03-05',
    until: '2021-08-01',
    source:
      'Stamp Duty Ordinance (Cap. 117): 0.1% on each side, rounded up to the whole dollar, until the 2021 rise [rate confirmed: reports of the 2021 rise from 0.1%; modelled from 2012-03-05]',
  },
  {
    name: 'stamp-duty',
    side: 'both',
    rate: '0.0013',
    rounding: 'up',
    roundToMinor: 100,
    from: '2021-08-01',
    until: '2023-11-17',
    source:
      'Stamp Duty (Amendment) Ordinance 2021: 0.13% on each side from 2021-08-01, rounded up to the whole dollar [rate confirmed: reports of the 2023 cut; date not confirmed]',
  },
  {
    name: 'stamp-duty',
    side: 'both',
    rate: '0.001',
    rounding: 'up',
    roundToMinor: 100,
    from: '2023-11-17',
    source:
      'Stamp Duty (Amendment) (Stock Transfers) Ordinance 2023 (2023 Policy Address), gazetted 2023-11-16: 0.1% on each side from 2023-11-17, rounded up to the whole dollar [confirmed: HKEX circular CT/152/23 via broker notice, Deloitte 2023-11-17]',
  },
  {
    name: 'trading-fee',
    side: 'both',
    rate: '0.00005',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2012-03-05',
    until: '2023-01-01',
    source:
      'SEHK trading fee 0.005% of the amount, each side (the HK$0.50 trading tariff per transaction, removed 2023-01-01, is not modelled) [rate confirmed: HKEX news 2022-11-01; start of the modelled range only]',
  },
  {
    name: 'trading-fee',
    side: 'both',
    rate: '0.0000565',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2023-01-01',
    source:
      'HKEX announcement of 2022-11-01: SEHK trading fee 0.00565% of the amount, each side, rounded to the cent, from 2023-01-01 [confirmed: HKEX news 2022-11-01, HKEX fee page]',
  },
  {
    name: 'sfc-levy',
    side: 'both',
    rate: '0.00003',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2012-03-05',
    until: '2014-11-01',
    source:
      'Securities and Futures (Levy) (Amendment) Order 2010: SFC levy 0.003% each side from 2010-10-01 [confirmed: SFC release 2010]; modelled from 2012-03-05',
  },
  {
    name: 'sfc-levy',
    side: 'both',
    rate: '0.000027',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2014-11-01',
    source:
      'Securities and Futures (Levy) (Amendment) Order 2014 (gazetted 2014-06-06): SFC levy 0.003% -> 0.0027% of the amount, each side, rounded to the cent, from 2014-11-01 [confirmed: HKEX fee page, HK government release 2014-06-06]',
  },
  {
    name: 'afrc-levy',
    side: 'both',
    rate: '0.0000015',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2022-01-01',
    source:
      'AFRC (then FRC) transaction levy 0.00015% of the amount, each side, rounded to the cent, from 2022-01-01 [confirmed: HKEX fee page]',
  },
  {
    name: 'settlement-fee',
    side: 'both',
    rate: '0.00002',
    rounding: 'half-up',
    roundToMinor: 1,
    minMinor: 200,
    maxMinor: 10_000,
    from: '2012-03-05',
    until: '2025-06-30',
    source:
      'HKSCC stock settlement fee (HKEX fee schedule, updated 2023-11-22): 0.002% of the amount, at least HK$2, at most HK$100 per side [confirmed: HKEX fee page]',
  },
  {
    name: 'settlement-fee',
    side: 'both',
    rate: '0.000042',
    rounding: 'half-up',
    roundToMinor: 1,
    from: '2025-06-30',
    source:
      'HKEX announcement of 2025-02-21: stock settlement fee 0.0042% per side with no minimum or maximum, in force 2025-06-30 [confirmed: Xinhua 2025-02-21, PANews 2025-06-30 (in force that day)]',
  },
];

export const hkMarket: MarketRules = {
  id: 'hk',
  currency: 'HKD',
  utcOffsetMinutes: 8 * 60,
  sessions: HK_SESSIONS_2012,
  sessionChanges: [
    {
      from: '2011-03-07',
      source:
        'HKEx news release 2011-01-24 (phase 1 of the extended trading hours): 09:30-12:00 and 13:30-16:00 from 2011-03-07 [confirmed: HKEx releases 2010-11-23, 2011-01-24]',
      sessions: [
        { startMinute: 9 * 60 + 30, endMinute: 12 * 60 },
        { startMinute: 13 * 60 + 30, endMinute: 16 * 60 },
      ],
    },
    {
      from: '2012-03-05',
      source:
        'HKEx news release 2012-03-01 (phase 2): 09:30-12:00 and 13:00-16:00 from 2012-03-05 [confirmed: HKEx release 2012-03-01]',
      sessions: HK_SESSIONS_2012,
    },
  ],
  // Half days (eves of Lunar New Year, Christmas, New Year): morning session only.
  specialSessions: {
    '2026-02-16': [{ startMinute: 9 * 60 + 30, endMinute: 12 * 60 }],
    '2026-12-24': [{ startMinute: 9 * 60 + 30, endMinute: 12 * 60 }],
    '2026-12-31': [{ startMinute: 9 * 60 + 30, endMinute: 12 * 60 }],
  },
  weekendDays: [0, 6],
  // HKSAR general holidays 2026 (gazetted 2025-05-16) that fall on weekdays.
  holidays: [
    '2026-01-01',
    '2026-02-17',
    '2026-02-18',
    '2026-02-19',
    '2026-04-03',
    '2026-04-06',
    '2026-04-07',
    '2026-05-01',
    '2026-05-25',
    '2026-06-19',
    '2026-07-01',
    '2026-10-01',
    '2026-10-19',
    '2026-12-25',
  ],
  settlementLagDays: 0,
  settlementChanges: [
    {
      from: '2012-03-05',
      source:
        'HKEX/HKSCC: no T+1 resale rule, shares bought can be sold the same day (CCASS settles on T+2, which does not block resale) [not re-checked; the date is the start of the modelled range]',
      lagDays: 0,
    },
  ],
  boards: [
    { id: 'gem', name: 'GEM', suffix: 'HK', prefixes: ['8'], changes },
    { id: 'hk-main', name: 'SEHK main board', suffix: 'HK', prefixes: [], changes },
  ],
  fees,
  // Illustrative online-broker rate (0.03%, at least HK$3); a Portfolio spec names its broker's own.
  defaultCommission: { rate: '0.0003', minMinor: 300 },
  reference: hkInstruments,
};
