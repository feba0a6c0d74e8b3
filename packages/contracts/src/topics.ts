import { z } from 'zod';

/** Kafka topic names: one place, so producers and consumers cannot drift apart. */
export const topics = {
  marketData: (market: string) => `market.data.${market}`,
  orders: (market: string) => `orders.${market}`,
  orderEvents: (market: string) => `order.events.${market}`,
  interestUpdates: 'interest.updates',
  deadLetter: (topic: string) => `${topic}.dlq`,
} as const;

/** Compacted `interest.updates`, keyed by node id: the codes that node's portfolios need. */
export const InterestUpdate = z.object({
  nodeId: z.string().min(1),
  market: z.string().min(1),
  codes: z.array(z.string()),
  ts: z.number().int().nonnegative(),
});
export type InterestUpdate = z.infer<typeof InterestUpdate>;

/** What goes to `<topic>.dlq` when a message fails validation: the original bytes plus why. */
export const DeadLetter = z.object({
  sourceTopic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  key: z.string().nullable(),
  /** The original value, cut to its first deadLetterValueLimit characters (the DLQ topic stays under Kafka's message limit). */
  value: z.string(),
  /** Length of the original value when it was cut. */
  valueLength: z.number().int().nonnegative().optional(),
  error: z.string(),
  ts: z.number().int(),
});
export const deadLetterValueLimit = 64 * 1024;
export type DeadLetter = z.infer<typeof DeadLetter>;
