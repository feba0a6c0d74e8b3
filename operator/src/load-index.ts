/**
 * Which node carries which portfolio, and how many each carries: the counts placement decisions use. It
 * follows the status in the cache and is moved ahead by the operator's own decisions before their write lands
 * (a reservation), so two decisions in a row never both count a node as emptier than it is.
 */
export class LoadIndex {
  /** portfolio -> node it is (being) assigned to. */
  private readonly nodeOfPortfolio = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  /** Counts `name` on `node` (none: on no node). */
  set(name: string, node: string | null | undefined): void {
    const prev = this.nodeOfPortfolio.get(name);
    if (prev === (node ?? undefined)) return;
    if (prev) this.counts.set(prev, (this.counts.get(prev) ?? 1) - 1);
    if (node) {
      this.nodeOfPortfolio.set(name, node);
      this.counts.set(node, (this.counts.get(node) ?? 0) + 1);
    } else this.nodeOfPortfolio.delete(name);
  }

  /** Follows the status of a portfolio as read. */
  track(p: { metadata: { name: string }; status?: { assignedNode?: string } | undefined }): void {
    this.set(p.metadata.name, p.status?.assignedNode);
  }

  remove(name: string): void {
    this.set(name, null);
  }

  nodeOf(name: string): string | undefined {
    return this.nodeOfPortfolio.get(name);
  }

  /** Portfolios per node, not counting `name` (where it is now must not count against staying there). */
  countsWithout(name: string): Map<string, number> {
    const c = new Map(this.counts);
    const mine = this.nodeOfPortfolio.get(name);
    if (mine) c.set(mine, (c.get(mine) ?? 1) - 1);
    return c;
  }

  /** The portfolios counted on any of `nodes`. */
  portfoliosOn(nodes: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const [name, node] of this.nodeOfPortfolio) if (nodes.has(node)) out.push(name);
    return out;
  }
}
