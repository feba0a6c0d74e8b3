import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { PortfolioTotals, StoredPortfolioState } from './portfolio-state-store.js';

/** One state write that could not reach MySQL. */
export type SpoolEntry =
  | { seq: number; kind: 'save'; state: StoredPortfolioState; totals: PortfolioTotals }
  | { seq: number; kind: 'delete'; portfolioId: string };

type NewEntry =
  { kind: 'save'; state: StoredPortfolioState; totals: PortfolioTotals } | { kind: 'delete'; portfolioId: string };

/**
 * Append-only local spool of state writes (JSON lines, one file per node), fsync'ed before append()
 * resolves: what a caller was told is written survives a crash of the process. Entries keep their order;
 * applied entries are dropped by rewriting the file atomically (write, fsync, rename).
 */
export class StateSpool {
  private entries: SpoolEntry[] = [];
  private file?: FileHandle;
  private seq = 0;

  private constructor(readonly path: string) {}

  /** Opens (creating the directory) and loads what a previous run left behind. */
  static async open(dir: string, nodeId: string): Promise<StateSpool> {
    await mkdir(dir, { recursive: true });
    const spool = new StateSpool(path.join(dir, `state-${nodeId}.jsonl`));
    let text = '';
    try {
      text = await readFile(spool.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        spool.entries.push(JSON.parse(line) as SpoolEntry);
      } catch {
        // A torn last line (crash during the write, before its fsync): it was never acknowledged.
      }
    }
    spool.seq = spool.entries.reduce((m, e) => Math.max(m, e.seq), 0);
    spool.file = await open(spool.path, 'a');
    return spool;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Entries in write order (a copy). */
  pending(): SpoolEntry[] {
    return [...this.entries];
  }

  /** The newest spooled state of a portfolio (newer than MySQL's), or undefined; `null` if spooled as deleted. */
  latest(portfolioId: string): StoredPortfolioState | null | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.kind === 'save' && e.state.portfolioId === portfolioId) return e.state;
      if (e.kind === 'delete' && e.portfolioId === portfolioId) return null;
    }
    return undefined;
  }

  async append(entry: NewEntry): Promise<SpoolEntry> {
    const e = { ...entry, seq: ++this.seq } as SpoolEntry;
    await this.file!.write(`${JSON.stringify(e)}\n`);
    await this.file!.sync();
    this.entries.push(e);
    return e;
  }

  /** Drops entries up to and including `seq` (applied to MySQL), durably. */
  async dropThrough(seq: number): Promise<void> {
    const rest = this.entries.filter((e) => e.seq > seq);
    const tmp = `${this.path}.tmp`;
    const out = await open(tmp, 'w');
    try {
      await out.write(rest.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await out.sync();
    } finally {
      await out.close();
    }
    await this.file!.close();
    await rename(tmp, this.path);
    const dir = await open(path.dirname(this.path), 'r');
    await dir.sync().catch(() => undefined);
    await dir.close();
    this.file = await open(this.path, 'a');
    this.entries = rest;
  }

  async close(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
  }
}
