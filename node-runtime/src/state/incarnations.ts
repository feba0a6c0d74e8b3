import type { Assignment } from '../membership/assignment.js';
import type { StoredPortfolioState } from './portfolio-state-store.js';

/**
 * A portfolio id is the Portfolio's name, and a name can be used again: a Portfolio deleted and then created
 * anew (a manifest re-applied, Argo CD replacing a pruned resource) is another incarnation, told apart by the
 * resource's uid. Its epochs start at 1 again, so epochs order the writers of one incarnation only.
 */

/** What the store holds for a portfolio id, as far as a save's fence is concerned. */
export interface StoredLife {
  epoch: number;
  /** The uid the row was written for; absent in rows written before incarnations were kept. */
  incarnation?: string | null;
  deleted: boolean;
}

/**
 * - `write`: the same incarnation, at its newest epoch (or nothing is stored yet);
 * - `supersede`: a new incarnation: the stored one goes to the archive (unless its deletion archived it already)
 *   and this one takes the row, whatever the epochs;
 * - `refuse`: a newer epoch of this incarnation owns it, or this incarnation was deleted (a late write of a node
 *   that ran it must neither revive it nor overwrite its successor).
 */
export type SaveDecision = 'write' | 'supersede' | 'refuse';

export function decideSave(
  stored: StoredLife | undefined,
  archived: ReadonlySet<string>,
  save: { epoch: number; incarnation?: string },
): SaveDecision {
  const life = save.incarnation;
  if (life !== undefined && archived.has(life)) return 'refuse';
  if (!stored) return 'write';
  const known = !!stored.incarnation && life !== undefined;
  if (known && stored.incarnation !== life) return 'supersede';
  if (known && stored.deleted) return 'refuse';
  return stored.epoch <= save.epoch ? 'write' : 'refuse';
}

/** The stored state if it belongs to this incarnation (one of an earlier Portfolio of the name is not restored). */
export function ownState(stored: StoredPortfolioState | undefined, a: Assignment): StoredPortfolioState | undefined {
  if (stored?.incarnation && a.incarnation && stored.incarnation !== a.incarnation) return undefined;
  return stored;
}
