import { z } from 'zod';
import { InstrumentCode, MarketId } from './market-data.js';

/** A local calendar date, YYYY-MM-DD (exchange time). */
export const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-07-06');

/** A period from `from` (inclusive) to `until` (exclusive; open-ended when absent). */
export const DatedPeriod = z
  .object({ from: LocalDate, until: LocalDate.optional(), note: z.string().max(500).optional() })
  .refine((p) => p.until === undefined || p.until > p.from, { message: 'until must be after from', path: ['until'] });
export type DatedPeriod = z.infer<typeof DatedPeriod>;

/**
 * Facts about one instrument that change over time. Everything is dated so that a backtest of an old day
 * and live trading today read the same file and each sees the facts of its own day.
 */
export const InstrumentReference = z.object({
  code: InstrumentCode,
  name: z.string().max(100).optional(),
  /** Board id of the market's data (e.g. "sse-main", "star"); derived from the code prefix when absent. */
  board: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/)
    .optional(),
  /** First trading day (IPO listing date). Orders before it are refused; the IPO price-limit window counts from it. */
  listed: LocalDate.optional(),
  /** Periods under risk warning (ST, *ST). */
  st: z.array(DatedPeriod).default([]),
  /** Periods of suspension (whole trading days). */
  suspended: z.array(DatedPeriod).default([]),
  /** Board lot changes (markets where the lot is per stock, e.g. Hong Kong); the latest `from` <= the day applies. */
  boardLots: z.array(z.object({ from: LocalDate, size: z.number().int().positive() })).default([]),
});
export type InstrumentReference = z.infer<typeof InstrumentReference>;
export type InstrumentReferenceInput = z.input<typeof InstrumentReference>;

/** One market's reference-data file: loaded by the processes, replaceable without code changes. */
export const ReferenceDataFile = z
  .object({
    market: MarketId,
    /** Where the facts come from and when they were taken. */
    source: z.string().max(500),
    asOf: LocalDate,
    instruments: z.array(InstrumentReference).max(20_000),
  })
  .refine((f) => new Set(f.instruments.map((i) => i.code)).size === f.instruments.length, {
    message: 'instrument codes must be unique',
    path: ['instruments'],
  });
export type ReferenceDataFile = z.infer<typeof ReferenceDataFile>;
export type ReferenceDataFileInput = z.input<typeof ReferenceDataFile>;
