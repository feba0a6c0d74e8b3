import type { MarketRules } from './market-rules.js';

/**
 * China A shares (SSE/SZSE) as data. Fees are typical retail rates: commission 0.025% with a 5 yuan
 * minimum, stamp duty 0.05% on sells only (since 2023-08-28), transfer fee 0.001% both sides.
 * Holidays: the published 2025 closures plus the fixed-date ones of 2026; extend the list as the
 * exchanges publish their calendars.
 */
export const cnAShareMarket: MarketRules = {
  id: 'cn',
  currency: 'CNY',
  utcOffsetMinutes: 8 * 60,
  sessions: [
    { startMinute: 9 * 60 + 30, endMinute: 11 * 60 + 30 },
    { startMinute: 13 * 60, endMinute: 15 * 60 },
  ],
  weekendDays: [0, 6],
  holidays: [
    '2025-01-01',
    '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-03', '2025-02-04',
    '2025-04-04',
    '2025-05-01', '2025-05-02', '2025-05-05',
    '2025-06-02',
    '2025-10-01', '2025-10-02', '2025-10-03', '2025-10-06', '2025-10-07', '2025-10-08',
    '2026-01-01',
    '2026-05-01',
    '2026-10-01', '2026-10-02',
  ],
  lotSize: 100,
  settlementLagDays: 1,
  fees: {
    commissionPpm: 250,
    commissionMinMinor: 500,
    stampDutyBuyPpm: 0,
    stampDutySellPpm: 500,
    transferFeePpm: 10,
  },
  priceLimits: [
    { prefixes: ['300', '301'], limitPpm: 200_000, board: 'chinext' },
    { prefixes: ['688', '689'], limitPpm: 200_000, board: 'star' },
    { prefixes: ['8', '4', '92'], limitPpm: 300_000, board: 'bse' },
    { prefixes: [], limitPpm: 100_000, board: 'main' },
  ],
  stLimitPpm: 50_000,
  stCodes: [],
};
