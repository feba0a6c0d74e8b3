import { readFileSync } from 'node:fs';
import { ValidationError, decimalToMinor, type MarketDataMessage, type PriceUpdate } from '@ginkgo/contracts';
import { cnAShareMarket, type MarketRules } from '@ginkgo/core';
import { CSV_TAPE_HEADER, generateHkSampleTape, generateSampleTape, parseCsvTape } from '@ginkgo/livecore';
import { withSessions } from '@ginkgo/sdk';

/**
 * Tape files for `ginkgo backtest --tape`. Three CSV formats, told apart by the header line:
 *
 *   ticks:  code,ts,price,volume[,prev_close]
 *   bars:   code,ts,open,high,low,close,volume[,prev_close]
 *   events: ts,type,code,price,volume,open,high,low,prev_close,detail   (the feeder's replay format, with sessions)
 *
 * ts is ISO 8601 with a time zone (2026-11-24T09:35:00+08:00) or epoch milliseconds; prices are decimal yuan;
 * volume is shares. Rows must be in time order. Lines starting with # and empty lines are skipped. Tapes
 * without session rows get the day's open, close and settlement added (T+1 and daily records need them).
 * `--tape sample` is the demo's bundled tape (three days, four codes).
 */
export const TICKS_HEADER = 'code,ts,price,volume';
export const BARS_HEADER = 'code,ts,open,high,low,close,volume';

const MAX_REPORTED = 20;

export function readTape(path: string, rules: MarketRules = cnAShareMarket): MarketDataMessage[] {
  // The bundled sample tape of the market: three A-share days, or three Hong Kong days.
  if (path === 'sample') return rules.id === 'hk' ? generateHkSampleTape() : generateSampleTape();
  return parseTape(readFileSync(path, 'utf8'), path, rules);
}

export function parseTape(text: string, source: string, rules: MarketRules = cnAShareMarket): MarketDataMessage[] {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = (lines[headerAt] ?? '').trim().toLowerCase();
  if (header === CSV_TAPE_HEADER) return parseCsvTape(text, { source, rules, market: rules.id });
  const bars = header === BARS_HEADER || header === `${BARS_HEADER},prev_close`;
  const tickFmt = header === TICKS_HEADER || header === `${TICKS_HEADER},prev_close`;
  if (!bars && !tickFmt) {
    throw new ValidationError(source, [
      `line ${headerAt + 1}: unknown header "${header}"; expected "${TICKS_HEADER}[,prev_close]", "${BARS_HEADER}[,prev_close]" or "${CSV_TAPE_HEADER}"`,
    ]);
  }
  const names = header.split(',');
  const problems: string[] = [];
  const out: PriceUpdate[] = [];
  const lastTs = new Map<string, number>();
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const line = i + 1;
    const cells = raw.split(',').map((c) => c.trim());
    const bad = (msg: string) => problems.push(`line ${line}: ${msg}`);
    if (cells.length !== names.length) {
      bad(`${cells.length} columns, the header has ${names.length}`);
      continue;
    }
    const row = Object.fromEntries(names.map((n, k) => [n, cells[k]!])) as Record<string, string>;
    const ts = /^\d+$/.test(row.ts ?? '')
      ? Number(row.ts)
      : /(Z|[+-]\d\d:?\d\d)$/.test(row.ts ?? '')
        ? Date.parse(row.ts!)
        : NaN;
    if (!Number.isFinite(ts)) {
      bad(`ts "${row.ts}" must be ISO 8601 with a time zone or epoch ms`);
      continue;
    }
    const money = (field: string, optional = false): number | undefined => {
      const v = row[field] ?? '';
      if (v === '' && optional) return undefined;
      try {
        const m = decimalToMinor(v);
        if (m <= 0) throw new Error('not positive');
        return m;
      } catch {
        bad(`${field} "${v}" is not a positive decimal price`);
        return undefined;
      }
    };
    const code = row.code ?? '';
    if (!/^[0-9A-Za-z.]{1,32}$/.test(code)) {
      bad(`code "${code}" is not an instrument code`);
      continue;
    }
    const volume = Number(row.volume);
    if (!Number.isSafeInteger(volume) || volume < 0) {
      bad(`volume "${row.volume}" must be a whole number of shares`);
      continue;
    }
    const price = money(bars ? 'close' : 'price');
    const prevClose = row.prev_close !== undefined ? money('prev_close', true) : undefined;
    const ohlc = bars ? { open: money('open'), high: money('high'), low: money('low') } : {};
    if (price === undefined || (bars && (ohlc.open === undefined || ohlc.high === undefined || ohlc.low === undefined)))
      continue;
    if (bars && (ohlc.high! < Math.max(ohlc.open!, price, ohlc.low!) || ohlc.low! > Math.min(ohlc.open!, price))) {
      bad('high/low do not contain open and close');
      continue;
    }
    if ((lastTs.get(code) ?? -Infinity) > ts) {
      bad(`ts goes back in time for ${code}`);
      continue;
    }
    lastTs.set(code, ts);
    out.push({
      type: 'price',
      eventId: `price:${code}:${ts}`,
      ts,
      seq: out.length + 1,
      market: rules.id,
      code,
      kind: bars ? 'bar' : 'tick',
      price,
      volume,
      ...(bars ? { open: ohlc.open!, high: ohlc.high!, low: ohlc.low! } : {}),
      ...(prevClose !== undefined ? { prevClose } : {}),
    });
  }
  if (problems.length) {
    const more = problems.length > MAX_REPORTED ? [`... and ${problems.length - MAX_REPORTED} more bad rows`] : [];
    throw new ValidationError(source, [...problems.slice(0, MAX_REPORTED), ...more]);
  }
  out.sort((a, b) => a.ts - b.ts);
  return withSessions(out, rules);
}

/** Keeps the trading days from..to (inclusive, local YYYY-MM-DD). */
export function sliceTape(
  tape: readonly MarketDataMessage[],
  rules: MarketRules,
  from?: string,
  to?: string,
): MarketDataMessage[] {
  if (!from && !to) return [...tape];
  const day = (ts: number) => new Date(ts + rules.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
  return tape.filter((m) => (!from || day(m.ts) >= from) && (!to || day(m.ts) <= to));
}
