/**
 * Order lifecycle. The engine derives states from gateway events and its own requests; anything not in
 * this table is refused, so a late or duplicated broker message can never resurrect a finished order.
 */
export type OrderStatus =
  | 'NEW'
  | 'SUBMITTED'
  | 'ACCEPTED'
  | 'PARTIALLY_FILLED'
  | 'FILLED'
  | 'REJECTED'
  | 'CANCEL_PENDING'
  | 'CANCELLED'
  | 'SUBMIT_FAILED'
  | 'EXPIRED';

const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  NEW: ['SUBMITTED', 'SUBMIT_FAILED', 'REJECTED'],
  // A fill may overtake the acknowledgement, and the broker may cancel on its own (e.g. at the close).
  SUBMITTED: [
    'ACCEPTED',
    'REJECTED',
    'SUBMIT_FAILED',
    'PARTIALLY_FILLED',
    'FILLED',
    'CANCEL_PENDING',
    'CANCELLED',
    'EXPIRED',
  ],
  ACCEPTED: ['PARTIALLY_FILLED', 'FILLED', 'CANCEL_PENDING', 'CANCELLED', 'EXPIRED'],
  PARTIALLY_FILLED: ['PARTIALLY_FILLED', 'FILLED', 'CANCEL_PENDING', 'CANCELLED', 'EXPIRED'],
  // Fills racing a cancel request are real trades and must be booked; the order stays CANCEL_PENDING.
  CANCEL_PENDING: ['CANCEL_PENDING', 'FILLED', 'CANCELLED', 'EXPIRED'],
  FILLED: [],
  REJECTED: [],
  CANCELLED: [],
  SUBMIT_FAILED: [],
  EXPIRED: [],
};

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'FILLED',
  'REJECTED',
  'CANCELLED',
  'SUBMIT_FAILED',
  'EXPIRED',
]);

export function isTerminal(s: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(s);
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export type TransitionResult = { ok: true; to: OrderStatus } | { ok: false; reason: string };

export function transition(from: OrderStatus, to: OrderStatus): TransitionResult {
  return canTransition(from, to) ? { ok: true, to } : { ok: false, reason: `illegal transition ${from} -> ${to}` };
}

/** Status after a fill: FILLED when complete, else PARTIALLY_FILLED (or still CANCEL_PENDING). */
export function statusAfterFill(from: OrderStatus, filled: number, volume: number): OrderStatus {
  if (filled >= volume) return 'FILLED';
  return from === 'CANCEL_PENDING' ? 'CANCEL_PENDING' : 'PARTIALLY_FILLED';
}
