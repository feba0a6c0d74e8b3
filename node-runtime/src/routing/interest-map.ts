/** code -> portfolios that want it; kept current as portfolios start, stop or change interest. */
export class InterestMap {
  private readonly byCode = new Map<string, Set<string>>();
  private readonly byPortfolio = new Map<string, Set<string>>();

  /** Replaces a portfolio's interest set in place; returns whether the union of codes changed. */
  set(portfolioId: string, codes: Iterable<string>): boolean {
    const before = this.codes().join(',');
    this.remove(portfolioId);
    const set = new Set(codes);
    this.byPortfolio.set(portfolioId, set);
    for (const code of set) {
      let holders = this.byCode.get(code);
      if (!holders) this.byCode.set(code, (holders = new Set()));
      holders.add(portfolioId);
    }
    return before !== this.codes().join(',');
  }

  remove(portfolioId: string): boolean {
    const codes = this.byPortfolio.get(portfolioId);
    if (!codes) return false;
    this.byPortfolio.delete(portfolioId);
    let changed = false;
    for (const code of codes) {
      const holders = this.byCode.get(code);
      holders?.delete(portfolioId);
      if (holders && holders.size === 0) {
        this.byCode.delete(code);
        changed = true;
      }
    }
    return changed;
  }

  portfoliosFor(code: string): ReadonlySet<string> {
    return this.byCode.get(code) ?? EMPTY;
  }

  /** Sorted union of all codes: what this node announces on `interest.updates`. */
  codes(): string[] {
    return [...this.byCode.keys()].sort();
  }
}

const EMPTY: ReadonlySet<string> = new Set();
