import fc from 'fast-check';
import { ValidationError } from '@ginkgo/contracts';
import { CSV_TAPE_HEADER, parseCsvTape } from '../src/csv-tape.js';
import { HttpQuoteSource, sinaQuoteLine } from '../src/http-quote-source.js';

/**
 * The feeder's own inputs, fuzzed: CSV tape rows and quote-service answers. A malformed row or line is
 * reported (naming the line and the field) and skipped; the good ones around it come out exactly as they would
 * without the bad ones; nothing throws except an answer with no usable line at all (which is what makes the
 * failover switch to the next source).
 */
const CODES = ['600000.SH', '600001.SH', '000001.SZ', '300750.SZ'];

/** A valid CSV row of each type, from generated values. */
const goodRow = fc.oneof(
  fc
    .record({
      s: fc.integer({ min: 0, max: 3599 }),
      code: fc.constantFrom(...CODES),
      yuan: fc.integer({ min: 1, max: 99999 }),
      vol: fc.nat(1_000_000),
      tick: fc.boolean(),
    })
    .map(
      ({ s, code, yuan, vol, tick }) =>
        `2026-11-24T${String(9 + Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}+08:00,price,${code},${yuan / 100},${vol},,,,,${tick ? 'tick' : 'bar'}`,
    ),
  fc.constantFrom('open', 'break', 'resume', 'close').map((phase) => `1764034200000,session,,,,,,,,${phase}`),
  fc
    .tuple(fc.constantFrom(...CODES), fc.boolean())
    .map(([code, s]) => `1764034200000,suspension,${code},,,,,,,${s ? 'suspended' : 'resumed'}`),
);

/** Text without the CSV's separators (a cell's garbage must stay in its cell). */
const garbage = fc
  .string({ minLength: 1, maxLength: 40, unit: 'binary' })
  .map((s) => s.replace(/[,\r\n]/g, ';'))
  .filter((s) => s.trim() !== '' && !s.startsWith('#'));
const notATime = garbage.filter((s) => !/^\d+$/.test(s.trim()) && !/^\d{4}-\d{2}-\d{2}T/.test(s.trim()));

/** A valid price row with exactly one defect, and the field its report must name. */
const badRow: fc.Arbitrary<{ row: string; field: string }> = fc.oneof(
  notATime.map((t) => ({ row: `${t},price,600000.SH,10.00,100,,,,,tick`, field: 'ts' })),
  fc
    .constantFrom('bogus', 'PRICE', 'trade', '')
    .map((t) => ({ row: `1764034200000,${t},600000.SH,10.00,100,,,,,tick`, field: 'type' })),
  fc
    .constantFrom('abc', '-5', '', 'NaN', '1e400', '10.001', '99999999999999999999')
    .map((p) => ({ row: `1764034200000,price,600000.SH,${p},100,,,,,tick`, field: 'price' })),
  fc
    .constantFrom('lower.sh', '600000', 'X'.repeat(5000) + '.SH', '')
    .map((c) => ({ row: `1764034200000,price,${c},10.00,100,,,,,tick`, field: 'code' })),
  fc
    .constantFrom('-3', '1.5', 'lots', '1e400')
    .map((v) => ({ row: `1764034200000,price,600000.SH,10.00,${v},,,,,tick`, field: 'volume' })),
  fc.constantFrom('lunch', 'OPEN', '').map((d) => ({ row: `1764034200000,session,,,,,,,,${d}`, field: 'phase' })),
  fc
    .constantFrom('-1', '1e30', '-99999999999999', '2026-11-24', '99999999999999999999', '2026-11-24 09:35')
    .map((ts) => ({ row: `${ts},price,600000.SH,10.00,100,,,,,tick`, field: 'ts' })),
  fc.constant({ row: '1764034200000,price', field: 'price' }), // truncated row
);

describe('CSV tape rows, fuzzed', () => {
  test('malformed rows are reported (line and field) and skipped; the good rows parse exactly as in a tape without the bad ones', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            goodRow.map((row) => ({ row, field: '' })),
            badRow,
          ),
          { minLength: 1, maxLength: 40 },
        ),
        (rows) => {
          const reports: string[] = [];
          const tape = [CSV_TAPE_HEADER, ...rows.map((r) => r.row)].join('\n');
          const parsed = parseCsvTape(tape, { onBadRow: (p) => reports.push(p) });
          const bad = rows.map((r, i) => ({ ...r, line: i + 2 })).filter((r) => r.field !== '');
          expect(reports).toHaveLength(bad.length);
          bad.forEach((b, i) => {
            expect(reports[i]).toContain(`line ${b.line}`);
            expect(reports[i]).toContain(b.field);
          });
          // Event ids and values equal the good-only tape's (seq numbers the rows of each tape, so compare without it).
          const goodOnly = parseCsvTape(
            [CSV_TAPE_HEADER, ...rows.filter((r) => r.field === '').map((r) => r.row)].join('\n'),
          );
          const noSeq = (ms: Array<{ seq: number }>) => ms.map(({ seq: _seq, ...rest }) => rest);
          expect(noSeq(parsed)).toEqual(noSeq(goodOnly));
          // Without a reporter the first bad row refuses the whole tape, naming its line.
          if (bad[0]) expect(() => parseCsvTape(tape)).toThrow(new RegExp(`line ${bad[0].line}\\b`));
        },
      ),
      { numRuns: 300, seed: 1503 },
    );
  });

  test('a tape with a wrong header is refused as a whole (nothing to skip to)', () => {
    expect(() => parseCsvTape('ts,type\n1,price', { onBadRow: () => undefined })).toThrow(ValidationError);
  });
});

/** One quote line (Sina format) for a code at a given second. */
const quote = (code: string, second: number, price = '10.00', volume = 1000) =>
  sinaQuoteLine({
    code,
    open: price,
    prevClose: price,
    price,
    high: price,
    low: price,
    volume,
    date: '2026-11-24',
    time: `10:00:${String(second).padStart(2, '0')}`,
  });
const fields = (code: string, f: string[]) => `var hq_str_${HttpQuoteSource.symbol(code)}="${f.join(',')}";`;
const book = Array.from({ length: 20 }, () => '0');
/** A Sina line for 600000.SH whose fields are all plausible but the ones given. */
const sinaLine = ({ open = '10', volume = '100', date = '2026-11-24', time = '10:59:59' }) =>
  fields('600000.SH', ['X', open, '10', '10', '10', '10', '10', '10', volume, '0', ...book, date, time, '00']);
const badLine = fc.oneof(
  garbage.map((g) => `<html>${g}</html>`),
  fc.constantFrom('var hq_str_sh600000="', 'var hq_str_sh600000=', 'var hq_str_=""', 'HTTP/1.1 502 Bad Gateway'),
  fc.constantFrom('abc', '-1', 'NaN', '1e400', 'Infinity').map((open) => sinaLine({ open })),
  fc.constantFrom('-5', '1.5e400', 'lots').map((volume) => sinaLine({ volume })),
  fc.constantFrom('yesterday', '2026-13-45', '').map((date) => sinaLine({ date, time: 'noon' })),
);

describe('HTTP quote answers, fuzzed', () => {
  test('malformed lines are reported and skipped; every good quote still becomes its tick; an answer with no usable line throws (failover)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant<'good'>('good'), badLine), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 5000 }).map((n) => (n / 100).toFixed(2)),
        (slots, price) => {
          // Each good line quotes the next code at its own second, so none is a repeat of another.
          const source = new HttpQuoteSource({
            name: 'fuzz',
            baseUrl: 'http://127.0.0.1:9',
            codes: [...CODES, '600519.SH'],
          });
          const reports: string[] = [];
          const withReports = new HttpQuoteSource({
            name: 'fuzz',
            baseUrl: 'http://127.0.0.1:9',
            codes: [...CODES, '600519.SH'],
            onBadAnswer: (p) => reports.push(p),
          });
          let n = 0;
          const lines = slots.map((s) => (s === 'good' ? quote(CODES[n % CODES.length]!, n++ % 60, price) : s));
          const goodLines = lines.filter((_, i) => slots[i] === 'good');
          const body = lines.join('\n');
          const bad = slots.filter((s) => s !== 'good').length;
          if (goodLines.length === 0) {
            expect(() => withReports.parse(body)).toThrow(/no well-formed line/);
            expect(reports).toHaveLength(bad);
            return;
          }
          const ticks = withReports.parse(body);
          expect(reports).toHaveLength(bad);
          expect(reports.every((r) => r.startsWith('quote source fuzz:'))).toBe(true);
          const clean = source.parse(goodLines.join('\n'));
          const strip = (ms: typeof ticks) => ms.map((m) => ({ ...m, seq: 0 }));
          expect(strip(ticks)).toEqual(strip(clean));
          expect(ticks).toHaveLength(goodLines.length);
        },
      ),
      { numRuns: 300, seed: 1504 },
    );
  });

  test('a bad line for a code does not hide its next good quote', () => {
    const reports: string[] = [];
    const s = new HttpQuoteSource({
      name: 'q',
      baseUrl: 'http://127.0.0.1:9',
      codes: ['600000.SH'],
      onBadAnswer: (p) => reports.push(p),
    });
    const badPrice = fields('600000.SH', [
      'X',
      '10',
      '10',
      'NaN',
      '10',
      '10',
      '10',
      '10',
      '100',
      '0',
      ...book,
      '2026-11-24',
      '10:00:01',
      '00',
    ]);
    expect(() => s.parse(badPrice)).toThrow(/no well-formed line/);
    expect(reports).toEqual([expect.stringContaining('price "NaN" is not a price')]);
    expect(s.parse(quote('600000.SH', 1)).map((m) => m.ts)).toEqual([Date.parse('2026-11-24T10:00:01+08:00')]);
  });
});
