import { z } from 'zod';
import { PriceMinor } from './money.js';

export const MarketId = z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be a lower-case market id like "cn"');
export type MarketId = z.infer<typeof MarketId>;

/** Instrument code, e.g. 600000.SH, 000001.SZ, AAPL.US. */
export const InstrumentCode = z.string().regex(/^[A-Z0-9]{1,12}\.[A-Z]{1,4}$/, 'must look like 600000.SH');
export type InstrumentCode = z.infer<typeof InstrumentCode>;

/** Event identity and ordering shared by every event: ts is the source (exchange/feeder) time. */
export const EventEnvelope = z.object({
  eventId: z.string().min(1).max(128),
  ts: z.number().int().nonnegative().describe('source timestamp, epoch milliseconds'),
  seq: z.number().int().nonnegative().describe('sequence number at the source'),
});

/** Price update on `market.data.<market>`, keyed by code. */
export const PriceUpdate = EventEnvelope.extend({
  type: z.literal('price'),
  market: MarketId,
  code: InstrumentCode,
  kind: z.enum(['tick', 'bar']).default('tick'),
  price: PriceMinor.describe('last (or bar close) price in minor units'),
  volume: z.number().int().nonnegative().default(0),
  open: PriceMinor.optional(),
  high: PriceMinor.optional(),
  low: PriceMinor.optional(),
  prevClose: PriceMinor.optional().describe('previous close, the base for price limits'),
});
export type PriceUpdate = z.infer<typeof PriceUpdate>;
export type PriceUpdateInput = z.input<typeof PriceUpdate>;

/** Dividend / split adjustment for one code. */
export const CorporateAction = EventEnvelope.extend({
  type: z.literal('corporate-action'),
  market: MarketId,
  code: InstrumentCode,
  /** Cash dividend per share, minor units (may be 0). */
  cashPerShareMinor: z.number().int().nonnegative().default(0),
  /** Share ratio: new shares per old share as numerator/denominator (10 for 10 = 1:1 bonus on 10). */
  splitNumerator: z.number().int().positive().default(1),
  splitDenominator: z.number().int().positive().default(1),
});
export type CorporateAction = z.infer<typeof CorporateAction>;

/** Trading suspension or resumption of one code. */
export const SuspensionEvent = EventEnvelope.extend({
  type: z.literal('suspension'),
  market: MarketId,
  code: InstrumentCode,
  suspended: z.boolean(),
});
export type SuspensionEvent = z.infer<typeof SuspensionEvent>;

/** Session / clock events: open, lunch break, close, settlement. */
export const SessionEvent = EventEnvelope.extend({
  type: z.literal('session'),
  market: MarketId,
  phase: z.enum(['open', 'break', 'resume', 'close', 'settlement']),
  tradingDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
});
export type SessionEvent = z.infer<typeof SessionEvent>;

export const MarketDataMessage = z.discriminatedUnion('type', [
  PriceUpdate,
  CorporateAction,
  SuspensionEvent,
  SessionEvent,
]);
export type MarketDataMessage = z.infer<typeof MarketDataMessage>;
