import { z } from 'zod';

/** `settlements.<market>`: end-of-day records of each portfolio, keyed by portfolio id (stored by livecore). */
export const settlementsTopic = (market: string) => `settlements.${market}`;

/** Minor units (fen); averages such as avgCostMinor may carry fractions. */
const Minor = z.number().refine((v) => Math.abs(v) <= Number.MAX_SAFE_INTEGER, 'must be within ±(2^53 - 1)');

/**
 * One portfolio's settlement of one trading day, as the core computes it (money in minor units). A replayed
 * settlement re-publishes the same record: consumers store it idempotently per (portfolioId, tradingDay).
 */
export const SettlementMessage = z.object({
  portfolioId: z.string().min(1),
  tradingDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  ts: z.number().int().nonnegative(),
  currency: z.string().min(1),
  cash: Minor,
  equity: Minor,
  previousEquity: Minor,
  dailyPnl: Minor,
  realizedPnl: Minor,
  unrealizedPnl: Minor,
  feesPaid: Minor,
  dailyFees: Minor,
  dailyRealizedPnl: Minor,
  expiredOrders: z.array(z.string()),
  positions: z.array(
    z.object({
      code: z.string(),
      volume: z.number().int(),
      sellable: z.number().int(),
      avgCostMinor: Minor,
      closePrice: Minor,
      marketValue: Minor,
      unrealizedPnl: Minor,
      suspended: z.boolean(),
    }),
  ),
  equityCurve: z.array(z.object({ tradingDay: z.string(), equity: Minor })),
});
export type SettlementMessage = z.infer<typeof SettlementMessage>;
