import type { ReferenceDataFile } from '@ginkgo/contracts';

/**
 * Bundled Hong Kong reference data: board lots (set per stock by the issuer) of the HK sample tape's
 * instruments. A code without a board lot here cannot be traded (the engine refuses with the rule name).
 */
export const hkInstruments: ReferenceDataFile = {
  market: 'hk',
  source: 'HKEX securities list (board lots)',
  asOf: '2026-11-30',
  instruments: [
    {
      code: '0700.HK',
      name: 'Tencent',
      board: 'hk-main',
      listed: '2004-06-16',
      st: [],
      suspended: [],
      boardLots: [{ from: '2004-06-16', size: 100 }],
    },
    {
      code: '0005.HK',
      name: 'HSBC Holdings',
      board: 'hk-main',
      st: [],
      suspended: [],
      boardLots: [{ from: '2000-01-01', size: 400 }],
    },
    {
      code: '0941.HK',
      name: 'China Mobile',
      board: 'hk-main',
      st: [],
      suspended: [],
      boardLots: [{ from: '2000-01-01', size: 500 }],
    },
  ],
};
