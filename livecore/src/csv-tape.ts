import { MarketDataMessage, ValidationError, decimalToMinor, minorToDecimal, parseOrThrow } from '@ginkgo/contracts';
import { cnAShareMarket, tradingDayOf, type MarketRules } from '@ginkgo/core';
import { marketRulesFor } from './market-rules-for.js';

/**
 * CSV tape format (one header line, then one event per line, in source order):
 *
 *   ts,type,code,price,volume,open,high,low,prev_close,detail
 *
 * - ts: ISO 8601 with offset (2026-11-24T09:35:00+08:00) or epoch milliseconds
 * - type: price | session | suspension | dividend
 * - code: instrument code (600000.SH); empty for session rows
 * - price, open, high, low, prev_close: decimal yuan (10.02); price rows need price, the rest optional
 * - volume: shares traded in the tick or bar
 * - detail: price -> tick|bar; session -> open|break|resume|close|settlement;
 *   suspension -> suspended|resumed; dividend -> cash per share in yuan, optionally a split "0.35 13/10"
 *
 * Event ids are derived from the content (type, code, ts), so replaying a file twice gives the same ids.
 */
export const CSV_TAPE_HEADER = 'ts,type,code,price,volume,open,high,low,prev_close,detail';
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Without `onBadRow` the first malformed row refuses the whole tape (naming line and field). With it, each
 * malformed row is reported (same message) and skipped, and the good rows are still returned in order.
 */
export function parseCsvTape(
  text: string,
  opts: { market?: string; source?: string; rules?: MarketRules; onBadRow?: (problem: string) => void } = {},
): MarketDataMessage[] {
  const market = opts.market ?? 'cn';
  const rules = opts.rules ?? marketRulesFor(market).rules;
  const what = opts.source ?? 'csv tape';
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines.shift()?.trim();
  if (header !== CSV_TAPE_HEADER) throw new ValidationError(what, [`header: must be "${CSV_TAPE_HEADER}"`]);
  const out: MarketDataMessage[] = [];
  lines.forEach((line, i) => {
    if (!opts.onBadRow) return out.push(parseRow(line, i));
    try {
      out.push(parseRow(line, i));
    } catch (err) {
      opts.onBadRow(err instanceof Error ? err.message : String(err));
    }
  });
  return out;

  function parseRow(line: string, i: number): MarketDataMessage {
    const row = i + 2;
    const [
      tsRaw = '',
      type = '',
      code = '',
      price = '',
      volume = '',
      open = '',
      high = '',
      low = '',
      prevClose = '',
      detail = '',
    ] = line.split(',').map((c) => c.trim());
    // Strict: Date.parse alone takes junk such as "-1" or "1e30" for some date.
    const ts = /^\d+$/.test(tsRaw) ? Number(tsRaw) : ISO_TIME.test(tsRaw) ? Date.parse(tsRaw) : NaN;
    if (!Number.isFinite(ts))
      throw new ValidationError(what, [`line ${row} ts: "${tsRaw}" is not an ISO time or epoch ms`]);
    const money = (v: string, field: string) => {
      try {
        return decimalToMinor(v);
      } catch {
        throw new ValidationError(what, [`line ${row} ${field}: "${v}" is not a decimal price`]);
      }
    };
    const base = { eventId: `${type}:${code || market}:${ts}`, ts, seq: i + 1, market };
    let m: unknown;
    switch (type) {
      case 'price':
        m = {
          ...base,
          type,
          code,
          kind: detail === 'tick' ? 'tick' : 'bar',
          price: money(price, 'price'),
          volume: volume === '' ? 0 : Number(volume),
          ...(open ? { open: money(open, 'open') } : {}),
          ...(high ? { high: money(high, 'high') } : {}),
          ...(low ? { low: money(low, 'low') } : {}),
          ...(prevClose ? { prevClose: money(prevClose, 'prev_close') } : {}),
        };
        break;
      case 'session':
        m = { ...base, type, phase: detail, tradingDay: tradingDayOf(rules, ts) };
        break;
      case 'suspension':
        m = { ...base, type, code, suspended: detail !== 'resumed' };
        break;
      case 'dividend': {
        const [cash = '0', split] = detail.split(/\s+/);
        const [num, den] = (split ?? '1/1').split('/').map(Number);
        m = {
          ...base,
          type: 'corporate-action',
          code,
          cashPerShareMinor: money(cash, 'detail'),
          splitNumerator: num,
          splitDenominator: den,
        };
        break;
      }
      default:
        throw new ValidationError(what, [`line ${row} type: "${type}" must be price, session, suspension or dividend`]);
    }
    return parseOrThrow(MarketDataMessage, m, `${what} line ${row}`);
  }
}

const iso = (ts: number, rules: MarketRules) => {
  const local = new Date(ts + rules.utcOffsetMinutes * 60_000).toISOString().slice(0, 19);
  const off = rules.utcOffsetMinutes;
  return `${local}${off >= 0 ? '+' : '-'}${String(Math.trunc(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
};

/** Writes messages in the CSV tape format (the inverse of parseCsvTape). */
export function formatCsvTape(messages: readonly MarketDataMessage[], rules: MarketRules = cnAShareMarket): string {
  const d = (v: number | undefined) => (v === undefined ? '' : minorToDecimal(v));
  const rows = messages.map((m) => {
    const ts = iso(m.ts, rules);
    switch (m.type) {
      case 'price':
        return [ts, 'price', m.code, d(m.price), m.volume, d(m.open), d(m.high), d(m.low), d(m.prevClose), m.kind].join(
          ',',
        );
      case 'session':
        return [ts, 'session', '', '', '', '', '', '', '', m.phase].join(',');
      case 'suspension':
        return [ts, 'suspension', m.code, '', '', '', '', '', '', m.suspended ? 'suspended' : 'resumed'].join(',');
      case 'corporate-action': {
        const split =
          m.splitNumerator === 1 && m.splitDenominator === 1 ? '' : ` ${m.splitNumerator}/${m.splitDenominator}`;
        return [ts, 'dividend', m.code, '', '', '', '', '', '', `${d(m.cashPerShareMinor)}${split}`].join(',');
      }
    }
  });
  return `${CSV_TAPE_HEADER}\n${rows.join('\n')}\n`;
}
