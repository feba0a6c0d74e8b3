import type { NodeInfo } from './node-info.js';

/** The components a spec needs, as `<kind>:<name>` (how nodes advertise them). */
export function requiredComponents(spec: {
  strategy: { name: string };
  riskManagers: { name: string }[];
  sizer: { name: string };
}): string[] {
  return [
    `strategy:${spec.strategy.name}`,
    ...spec.riskManagers.map((r) => `risk:${r.name}`),
    `sizer:${spec.sizer.name}`,
  ];
}

/** The required components a node lacks (none when it did not advertise any). */
export function missingOn(node: NodeInfo, required: readonly string[] | undefined): string[] {
  if (!required || !node.components) return [];
  return required.filter((c) => !node.components!.has(c));
}

export const servesMarket = (node: NodeInfo, market: string) => node.markets === null || node.markets.includes(market);

/** Can take a new portfolio of this market (live, not draining, not overloaded, under capacity). */
export function acceptsNew(node: NodeInfo, market: string, count: number, required?: readonly string[]): boolean {
  return (
    missingOn(node, required).length === 0 &&
    node.live &&
    !node.draining &&
    !node.overloaded &&
    servesMarket(node, market) &&
    (node.capacity === undefined || count < node.capacity)
  );
}

/** The least-loaded node that accepts a new portfolio: fewest portfolios, then shortest queue, then id. */
export function pickNode(
  market: string,
  nodes: Iterable<NodeInfo>,
  counts: ReadonlyMap<string, number>,
  exclude?: string,
  required?: readonly string[],
): NodeInfo | undefined {
  let best: NodeInfo | undefined;
  let bestCount = Infinity;
  for (const n of nodes) {
    if (n.id === exclude) continue;
    const c = counts.get(n.id) ?? 0;
    if (!acceptsNew(n, market, c, required)) continue;
    if (
      !best ||
      c < bestCount ||
      (c === bestCount && (n.queueDepth < best.queueDepth || (n.queueDepth === best.queueDepth && n.id < best.id)))
    ) {
      best = n;
      bestCount = c;
    }
  }
  return best;
}

export interface Placement {
  name: string;
  market: string;
  node: string;
}

export interface Move {
  name: string;
  from: string;
  to: string;
}

/**
 * Moves that even out portfolio counts (scale-out, manual rebalance): repeatedly move one portfolio from the
 * fullest node to the emptiest node that accepts its market, while the difference exceeds one. Draining,
 * dead and overloaded nodes receive nothing. Deterministic: the last portfolio by name moves first.
 */
export function planRebalance(placements: Placement[], nodes: NodeInfo[], maxMoves = Infinity): Move[] {
  const byNode = new Map<string, Placement[]>();
  const live = nodes.filter((n) => n.live);
  for (const n of live) byNode.set(n.id, []);
  for (const p of placements) byNode.get(p.node)?.push(p);
  for (const list of byNode.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const moves: Move[] = [];
  const counts = () => new Map([...byNode].map(([id, l]) => [id, l.length]));
  while (moves.length < maxMoves) {
    const sources = [...byNode].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
    let moved = false;
    for (const [from, list] of sources) {
      const c = counts();
      // Try the portfolios of the fullest node, last first, to find one some emptier node can take.
      for (let i = list.length - 1; i >= 0 && !moved; i--) {
        const p = list[i]!;
        const target = pickNode(p.market, live, c, from);
        if (!target || (c.get(target.id) ?? 0) + 1 >= list.length) continue;
        list.splice(i, 1);
        byNode.get(target.id)!.push(p);
        moves.push({ name: p.name, from, to: target.id });
        moved = true;
      }
      if (moved) break;
    }
    if (!moved) break;
  }
  return moves;
}
