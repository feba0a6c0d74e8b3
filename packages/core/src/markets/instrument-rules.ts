import type { DatedPeriod, InstrumentReference } from '@ginkgo/contracts';
import { isTradingDay } from '../market-clock.js';
import type { BoardDefinition, BoardRules, LotRule, MarketRules, TickBand } from '../market-rules.js';

/** The rules that apply to one instrument on one trading day, resolved from the market data. */
export interface InstrumentRules {
  readonly market: string;
  readonly code: string;
  readonly day: string;
  readonly board: string;
  readonly boardName: string;
  /** False before the listing day of the reference data. */
  readonly listed: boolean;
  readonly suspended: boolean;
  /** Under risk warning (ST, *ST) on this day. */
  readonly st: boolean;
  /** Daily price limit, ppm of the previous close; null = none today. */
  readonly limitPpm: number | null;
  /** Why this limit: board and status, or the IPO window. */
  readonly limitNote: string;
  /** Null when the market has per-instrument lots and the reference data has none for this code. */
  readonly lot: LotRule | null;
  readonly ticks: readonly TickBand[];
  readonly maxOrderVolume: number | null;
  /** Daily buy cap in shares; set only while the stock is under risk warning. */
  readonly stDailyBuyCap: number | null;
  readonly settlementLagDays: number;
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
const inPeriod = (periods: readonly DatedPeriod[], day: string) =>
  periods.some((p) => p.from <= day && (p.until === undefined || day < p.until));

/** T+n on a day: that of the last settlement change on or before it (the market's current one by default). */
export function settlementLagOn(market: MarketRules, day: string): number {
  const changes = market.settlementChanges;
  if (changes === undefined || changes.length === 0 || day >= changes[changes.length - 1]!.from)
    return market.settlementLagDays;
  let lag = changes[0]!.lagDays;
  for (const c of changes) if (c.from <= day) lag = c.lagDays;
  return lag;
}

const boardCache = new WeakMap<BoardDefinition, Map<string, BoardRules>>();

/** A board's rules on a day: its dated changes merged in order up to that day. */
export function boardRulesOn(board: BoardDefinition, day: string): BoardRules {
  let cache = boardCache.get(board);
  if (!cache) boardCache.set(board, (cache = new Map()));
  let r = cache.get(day);
  if (!r) {
    const first = board.changes[0];
    if (!first) throw new Error(`board ${board.id}: no rules`);
    let merged: Partial<BoardRules> = {};
    for (const c of board.changes) if (c.from <= day || c === first) merged = { ...merged, ...c.set };
    r = merged as BoardRules;
    if (cache.size > 2048) cache.clear();
    cache.set(day, r);
  }
  return r;
}

const referenceIndex = new WeakMap<MarketRules['reference'], Map<string, InstrumentReference>>();

/** The reference-data entry of a code, if the market's file has one. */
export function referenceOf(market: MarketRules, code: string): InstrumentReference | undefined {
  let idx = referenceIndex.get(market.reference);
  if (!idx) referenceIndex.set(market.reference, (idx = new Map(market.reference.instruments.map((i) => [i.code, i]))));
  return idx.get(code);
}

/** The board of a code: the reference data's, else the first board whose suffix and prefix match. */
export function boardOf(market: MarketRules, code: string): BoardDefinition | undefined {
  const explicit = referenceOf(market, code)?.board;
  if (explicit !== undefined) return market.boards.find((b) => b.id === explicit);
  const dot = code.lastIndexOf('.');
  const digits = dot < 0 ? code : code.slice(0, dot);
  const suffix = dot < 0 ? '' : code.slice(dot + 1);
  return market.boards.find(
    (b) => b.suffix === suffix && (b.prefixes.length === 0 || b.prefixes.some((p) => digits.startsWith(p))),
  );
}

/** Trading days from `listed` to `day`, both included, counting no further than `cap + 1`. */
function tradingDaysSince(market: MarketRules, listed: string, day: string, cap: number): number {
  let n = 0;
  for (let d = dayNumber(listed), end = dayNumber(day); d <= end && n <= cap; d++) if (isTradingDay(market, d)) n++;
  return n;
}

/** Per market, day -> code -> rules; two lookups on strings the caller already has, no key to build per call. */
const rulesCache = new WeakMap<MarketRules, { byDay: Map<string, Map<string, InstrumentRules>>; size: number }>();

/**
 * Everything the exchange checks for one code on one day. The risk-warning status is looked up first and
 * then the board: an ST stock on ChiNext or STAR keeps its board's 20%, on the main boards it gets the
 * board's ST limit in force that day. In the first trading days after an IPO (as many as the board's rules
 * of the listing day allow) there is no limit at all.
 */
export function instrumentRules(market: MarketRules, code: string, day: string): InstrumentRules {
  let cache = rulesCache.get(market);
  if (!cache) rulesCache.set(market, (cache = { byDay: new Map(), size: 0 }));
  let ofDay = cache.byDay.get(day);
  const hit = ofDay?.get(code);
  if (hit) return hit;
  const ref = referenceOf(market, code);
  const board = boardOf(market, code);
  const rules = board ? boardRulesOn(board, day) : undefined;
  const st = ref ? inPeriod(ref.st, day) : false;
  let limitPpm: number | null = null;
  let limitNote = 'no board matches the code: no price limit known';
  if (board && rules) {
    limitPpm = st ? rules.stPriceLimitPpm : rules.priceLimitPpm;
    limitNote = `${board.name}${st ? ' risk warning' : ''}: ${limitPpm === null ? 'no daily limit' : `${limitPpm / 10_000}%`}`;
    if (ref?.listed !== undefined && ref.listed <= day && limitPpm !== null) {
      const window = boardRulesOn(board, ref.listed).ipoNoLimitDays;
      const n = window > 0 ? tradingDaysSince(market, ref.listed, day, window) : 0;
      if (n > 0 && n <= window) {
        limitPpm = null;
        limitNote = `${board.name} IPO listed ${ref.listed}: no price limit on trading day ${n} of ${window}`;
      }
    }
  }
  let lot: LotRule | null = rules?.lot ?? null;
  const lots = ref?.boardLots.filter((l) => l.from <= day) ?? [];
  const boardLot = lots.length ? lots.reduce((a, b) => (b.from > a.from ? b : a)) : undefined;
  if (boardLot) lot = { min: boardLot.size, step: boardLot.size, oddRemainderSell: rules?.oddRemainderSell ?? false };
  const r: InstrumentRules = {
    market: market.id,
    code,
    day,
    board: board?.id ?? 'unknown',
    boardName: board?.name ?? 'unknown board',
    listed: ref?.listed === undefined || ref.listed <= day,
    suspended: ref ? inPeriod(ref.suspended, day) : false,
    st,
    limitPpm,
    limitNote,
    lot,
    ticks: rules?.ticks ?? [{ upToMinor: null, tickMinor: 1 }],
    maxOrderVolume: rules?.maxOrderVolume ?? null,
    stDailyBuyCap: st ? (rules?.stDailyBuyCap ?? null) : null,
    settlementLagDays: settlementLagOn(market, day),
  };
  if (cache.size >= 8192) {
    cache.byDay.clear();
    cache.size = 0;
    ofDay = undefined;
  }
  if (!ofDay) cache.byDay.set(day, (ofDay = new Map()));
  ofDay.set(code, r);
  cache.size += 1;
  return r;
}
