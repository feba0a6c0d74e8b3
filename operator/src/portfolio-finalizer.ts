import { deletionHandshake, portfolioAnnotations, portfolioEventReason, portfolioResource } from '@ginkgo/contracts';
import type { Logger } from '@ginkgo/platform';
import type { LoadIndex } from './load-index.js';
import type { Portfolio, PortfolioWriter } from './portfolio-writer.js';

export interface FinalizerOptions {
  writer: PortfolioWriter;
  load: LoadIndex;
  logger: Logger;
}

/**
 * The operator's finalizer on a live portfolio, so that deleting it waits until its node has stopped it and
 * archived its state. Returns the portfolio as written.
 */
export async function ensureFinalizer(p: Portfolio, writer: PortfolioWriter): Promise<Portfolio> {
  const finalizers = p.metadata.finalizers ?? [];
  if (finalizers.includes(portfolioResource.finalizer)) return p;
  return writer.patchMeta(p, { finalizers: [...finalizers, portfolioResource.finalizer] });
}

/**
 * A portfolio being deleted: the finalizer comes off once its node acknowledged the deletion (stopped, state
 * archived), when it is force-deleted, or when it never ran. Returns false while it still waits for its node.
 */
export async function releaseFinalizer(p: Portfolio, opts: FinalizerOptions): Promise<boolean> {
  const finalizers = p.metadata.finalizers ?? [];
  if (!finalizers.includes(portfolioResource.finalizer)) return true;
  const st = p.status ?? {};
  const acked = (st.conditions ?? []).some(
    (c) =>
      c.type === deletionHandshake.conditionType &&
      c.status === deletionHandshake.status &&
      c.reason === deletionHandshake.reason,
  );
  const forced = p.metadata.annotations?.[portfolioAnnotations.forceDelete] !== undefined;
  const neverRan = !st.assignedNode && !st.epoch;
  if (!acked && !forced && !neverRan) return false;
  await opts.writer.patchMeta(p, { finalizers: finalizers.filter((f) => f !== portfolioResource.finalizer) });
  opts.load.remove(p.metadata.name);
  opts.logger.info({ portfolio: p.metadata.name, acked, forced, neverRan }, 'finalizer removed');
  opts.writer.event(
    p,
    'Normal',
    portfolioEventReason.Deleted,
    acked ? `stopped and archived by ${st.assignedNode ?? 'its node'}` : forced ? 'force-deleted' : 'never ran',
  );
  return true;
}
