import { z } from 'zod';
import { EventEnvelope, InstrumentCode, MarketId } from './market-data.js';
import { CommissionSchedule, MinorUnits, PriceMinor } from './money.js';

export const Side = z.enum(['BUY', 'SELL']);
export type Side = z.infer<typeof Side>;

/** Deterministic id: `<portfolioId>-<sequence>` so that a replay yields the same ids. */
export const ClientOrderId = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,100}-[0-9]+$/, 'must be <portfolioId>-<sequence>');

const Fenced = z.object({
  portfolioId: z.string().min(1),
  /** Assignment epoch of the sender; the gateway refuses orders from an older epoch. */
  epoch: z.number().int().nonnegative(),
  nodeId: z.string().min(1),
  /**
   * Which life of the portfolio sent it (the Portfolio resource's uid): a Portfolio deleted and created again
   * under its name starts at epoch 1, and the gateway fences by epoch only within one incarnation; a
   * superseded incarnation is refused. Absent (older senders, tests): epoch fencing only.
   */
  incarnation: z.string().min(1).max(64).optional(),
});

/** New order on `orders.<market>`, keyed by portfolio id. */
export const SubmitOrder = Fenced.extend({
  type: z.literal('submit'),
  clientOrderId: ClientOrderId,
  market: MarketId,
  code: InstrumentCode,
  side: Side,
  orderType: z.enum(['LIMIT', 'MARKET']).default('LIMIT'),
  price: PriceMinor,
  volume: z.number().int().positive(),
  ts: z.number().int().nonnegative(),
  reason: z.string().max(500).default(''),
  /**
   * The commission the portfolio's broker charges (from its spec, else the market's default), as the engine
   * books it. The paper venue charges it, with the exchange fees of the order's trading day from the same
   * market data, so both sides book the same fees. Absent (older senders): the venue's default.
   */
  commission: CommissionSchedule.optional(),
});
export type SubmitOrder = z.infer<typeof SubmitOrder>;

/** Cancel request on `orders.<market>`; force skips waiting for the broker (manual intervention). */
export const CancelOrder = Fenced.extend({
  type: z.literal('cancel'),
  clientOrderId: ClientOrderId,
  market: MarketId,
  ts: z.number().int().nonnegative(),
  force: z.boolean().default(false),
  reason: z.string().max(500).default(''),
});
export type CancelOrder = z.infer<typeof CancelOrder>;

export const OrderMessage = z.discriminatedUnion('type', [SubmitOrder, CancelOrder]);
export type OrderMessage = z.infer<typeof OrderMessage>;

export const OrderEventType = z.enum([
  'ACCEPTED',
  'PARTIALLY_FILLED',
  'FILLED',
  'REJECTED',
  'CANCELLED',
  'SUBMIT_FAILED',
  'EXPIRED',
]);
export type OrderEventType = z.infer<typeof OrderEventType>;

/**
 * Outcome from the gateway on `order.events.<market>`, keyed by portfolio id.
 * Fill events carry the fill itself (fillId, volume, price); the engine derives the state.
 */
export const OrderEvent = EventEnvelope.extend({
  type: z.literal('order'),
  event: OrderEventType,
  market: MarketId,
  portfolioId: z.string().min(1),
  clientOrderId: ClientOrderId,
  brokerOrderId: z.string().optional(),
  fillId: z.string().optional(),
  fillVolume: z.number().int().positive().optional(),
  fillPrice: PriceMinor.optional(),
  /** The venue's fees on this fill (minor units): the increase of the order's cumulative fees. */
  fillFee: MinorUnits.refine((v) => v >= 0, 'must not be negative').optional(),
  reason: z.string().max(500).optional(),
}).superRefine((e, ctx) => {
  const isFill = e.event === 'PARTIALLY_FILLED' || e.event === 'FILLED';
  if (isFill && (e.fillVolume === undefined || e.fillPrice === undefined || e.fillId === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['fillVolume'],
      message: `${e.event} needs fillId, fillVolume and fillPrice`,
    });
  }
});
export type OrderEvent = z.infer<typeof OrderEvent>;
export type OrderEventInput = z.input<typeof OrderEvent>;
