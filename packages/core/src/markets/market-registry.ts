import { ReferenceDataFile, type ReferenceDataFileInput } from '@ginkgo/contracts';
import type { MarketRules } from '../market-rules.js';
import { cnAShareMarket } from './cn-a-share.js';
import { hkMarket } from './hk-equities.js';

/** The markets the platform knows, by id. Adding a market is adding an entry here, not an engine change. */
export const MARKETS: Readonly<Record<string, MarketRules>> = { cn: cnAShareMarket, hk: hkMarket };

/** The bundled rules of a market; a clear error for an unknown id. */
export function marketById(id: string, markets: Readonly<Record<string, MarketRules>> = MARKETS): MarketRules {
  const m = markets[id];
  if (!m) throw new Error(`spec.market: no rules for market "${id}" (known: ${Object.keys(markets).join(', ')})`);
  return m;
}

/** A copy of a market with another reference-data file (validated; its market must match). */
export function withReferenceData(market: MarketRules, file: ReferenceDataFileInput): MarketRules {
  const parsed = ReferenceDataFile.parse(file);
  if (parsed.market !== market.id)
    throw new Error(`reference data: file is for market "${parsed.market}", not "${market.id}"`);
  return { ...market, reference: parsed };
}

/** The bundled markets with reference-data files applied (one file per market at most). */
export function marketsWithReferenceData(
  files: readonly ReferenceDataFileInput[],
  markets: Readonly<Record<string, MarketRules>> = MARKETS,
): Record<string, MarketRules> {
  const out: Record<string, MarketRules> = { ...markets };
  const seen = new Set<string>();
  for (const f of files) {
    const market = ReferenceDataFile.parse(f).market;
    if (seen.has(market)) throw new Error(`reference data: two files for market "${market}"`);
    seen.add(market);
    out[market] = withReferenceData(marketById(market, markets), f);
  }
  return out;
}

/** Copy of a market with trading sessions covering the whole day and no calendar (demos, tests). */
export function withAlwaysOpenSessions(market: MarketRules): MarketRules {
  return {
    ...market,
    sessions: [{ startMinute: 0, endMinute: 24 * 60 }],
    sessionChanges: [],
    specialSessions: {},
    weekendDays: [],
    holidays: [],
  };
}

/** Copy of a market in which `codes` are under risk warning from `from` (tests, what-if runs). */
export function withStCodes(
  market: MarketRules,
  codes: readonly string[],
  from = '1990-01-01',
  until?: string,
): MarketRules {
  const period = until === undefined ? { from } : { from, until };
  const instruments = [...market.reference.instruments];
  for (const code of codes) {
    const i = instruments.findIndex((x) => x.code === code);
    const base = i >= 0 ? instruments[i]! : { code, st: [], suspended: [], boardLots: [] };
    const next = { ...base, st: [...base.st, period] };
    if (i >= 0) instruments[i] = next;
    else instruments.push(next);
  }
  return { ...market, reference: { ...market.reference, instruments } };
}
