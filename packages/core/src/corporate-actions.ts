import type { CorporateAction, SuspensionEvent } from '@ginkgo/contracts';
import type { EngineCore } from './engine-core.js';
import { guardMarket } from './input-guard.js';
import { addToList, removeFromList } from './keyed-entries.js';
import { mulDiv } from './money.js';
import type { HandleResult } from './types.js';

/**
 * Dividend and split/bonus on the holding, and the ex-rights adjustment of the reference prices so that
 * price limits and market value follow it.
 */
export function applyCorporateAction(core: EngineCore, e: CorporateAction, out: HandleResult): boolean {
  if (!guardMarket(core, e, out, e.code)) return false;
  // Corporate actions take effect before the open, when no day order can be live; say so if one is.
  const live = core.orders
    .open()
    .filter((o) => o.code === e.code)
    .map((o) => o.clientOrderId);
  if (live.length)
    core.alerts.raise(
      'CORPORATE_ACTION',
      `${e.code}: open orders ${live.join(', ')} predate the adjustment; check them with the broker`,
      e.code,
    );
  const credited = core.book.dividend(e.code, e.cashPerShareMinor);
  const split = core.book.split(e.code, e.splitNumerator, e.splitDenominator);
  const adjust = (p: number) =>
    Math.max(1, mulDiv(Math.max(0, p - e.cashPerShareMinor), e.splitDenominator, e.splitNumerator, 'half-up'));
  const q = core.quotes.get(e.code);
  if (q) {
    q.price = adjust(q.price);
    if (q.prevClose !== undefined) q.prevClose = adjust(q.prevClose);
  }
  const parts: string[] = [];
  if (credited > 0) parts.push(`dividend ${credited} credited`);
  if (split) parts.push(`volume ${split.before} -> ${split.after}`);
  core.alerts.raise('CORPORATE_ACTION', `${e.code}: ${parts.join(', ') || 'no holding affected'}`, e.code);
  return true;
}

/** A suspended code takes no ticks and no orders; its position is kept and marked. */
export function applySuspension(core: EngineCore, e: SuspensionEvent, out: HandleResult): boolean {
  if (!guardMarket(core, e, out, e.code)) return false;
  if (e.suspended) addToList(core.state.suspendedCodes, e.code);
  else removeFromList(core.state.suspendedCodes, e.code);
  core.book.setSuspended(e.code, e.suspended);
  core.alerts.raise(
    e.suspended ? 'SUSPENDED' : 'RESUMED',
    `${e.code} ${e.suspended ? 'suspended: removed from the interest set, not tradable' : 'resumed'}`,
    e.code,
  );
  return true;
}
