import { z } from 'zod';
import { MarketId } from './market-data.js';
import { ClientOrderId } from './orders.js';

/** livecore's own topics: operator commands in, replies out, settlement records from the nodes. */
export const livecoreTopics = {
  /** Commands to the live engine of one market (manual cancel, reconcile), keyed by request id. */
  control: (market: string) => `livecore.control.${market}`,
  /** One reply per command, keyed by request id: ok, or an error that says what failed. */
  controlReplies: (market: string) => `livecore.control-replies.${market}`,
} as const;

const Command = z.object({
  requestId: z.string().min(1).max(128),
  market: MarketId,
  ts: z.number().int().nonnegative(),
  /** Who asked (a user or tool name), for the audit log. */
  requestedBy: z.string().max(128).default('operator'),
});

/** Manual cancel: force marks the order CANCELLED for the portfolio without waiting for the broker. */
export const CancelCommand = Command.extend({
  type: z.literal('cancel'),
  clientOrderId: ClientOrderId,
  force: z.boolean().default(false),
  reason: z.string().max(500).default('manual cancel'),
});
export type CancelCommand = z.infer<typeof CancelCommand>;

/** Compare the broker's orders and positions with the gateway's ledger and emit correcting events. */
export const ReconcileCommand = Command.extend({ type: z.literal('reconcile') });
export type ReconcileCommand = z.infer<typeof ReconcileCommand>;

export const LivecoreCommand = z.discriminatedUnion('type', [CancelCommand, ReconcileCommand]);
export type LivecoreCommand = z.infer<typeof LivecoreCommand>;
export type LivecoreCommandInput = z.input<typeof LivecoreCommand>;

export const LivecoreReply = z.object({
  requestId: z.string(),
  market: MarketId,
  ok: z.boolean(),
  /** Set when ok is false: a sentence naming what failed and that nothing was changed. */
  error: z.string().optional(),
  /** Command-specific outcome (e.g. the reconciliation report). */
  result: z.record(z.string(), z.unknown()).optional(),
  ts: z.number().int().nonnegative(),
});
export type LivecoreReply = z.infer<typeof LivecoreReply>;
