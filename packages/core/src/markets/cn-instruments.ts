import type { ReferenceDataFile } from '@ginkgo/contracts';

/**
 * Bundled A-share reference data: the instruments of the sample tapes and tests. A process replaces it with
 * its own file (REFERENCE_DATA_FILES) without code changes; a code missing here trades under its board's
 * plain rules (listed, no risk warning, not suspended).
 */
export const cnInstruments: ReferenceDataFile = {
  market: 'cn',
  source: 'exchange listing announcements (listing dates); the scripted suspension of the bundled sample tape',
  asOf: '2026-11-30',
  instruments: [
    {
      code: '600000.SH',
      name: 'SPD Bank',
      board: 'sse-main',
      listed: '1999-11-10',
      st: [],
      suspended: [],
      boardLots: [],
    },
    {
      code: '000001.SZ',
      name: 'Ping An Bank',
      board: 'szse-main',
      listed: '1991-04-03',
      st: [],
      suspended: [],
      boardLots: [],
    },
    { code: '300750.SZ', name: 'CATL', board: 'chinext', listed: '2018-06-11', st: [], suspended: [], boardLots: [] },
    {
      code: '601318.SH',
      name: 'Ping An Insurance',
      board: 'sse-main',
      listed: '2007-03-01',
      st: [],
      // The bundled sample tape suspends it for its second day (a scripted event, not a historical one).
      suspended: [{ from: '2026-11-25', until: '2026-11-26', note: 'sample tape: scripted suspension' }],
      boardLots: [],
    },
    { code: '688981.SH', name: 'SMIC', board: 'star', listed: '2020-07-16', st: [], suspended: [], boardLots: [] },
  ],
};
