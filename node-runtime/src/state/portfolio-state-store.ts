import { cloneData, type PortfolioSnapshot } from '@ginkgo/core';
import { numberedMigrations, type MySqlDatabase } from '@ginkgo/platform';
import { decideSave } from './incarnations.js';

export interface StoredPortfolioState {
  portfolioId: string;
  epoch: number;
  nodeId: string;
  /** The Portfolio resource's uid this state belongs to (absent: written before incarnations were kept). */
  incarnation?: string;
  snapshot: PortfolioSnapshot;
  /**
   * Input positions applied into this snapshot, `<topic>:<partition>` -> last applied offset. Saved in the
   * same transaction as the snapshot: a restarted or migrated portfolio resumes from here, not from a
   * consumer group's offset.
   */
  inputPositions?: Record<string, string>;
}

/** A worker failure kept for post-mortems. */
export interface PortfolioError {
  portfolioId: string;
  epoch: number;
  nodeId: string;
  eventId?: string;
  message: string;
}

/** Persisted beside the snapshot so that SQL readers (reports, restore checks) need not parse it. */
export interface PortfolioTotals {
  cash: number;
  equity: number;
  positions: { code: string; volume: number; sellable: number; avgCostMinor: number }[];
}

/** Durable portfolio state: what migration and failover restore from. */
export interface PortfolioStateStore {
  load(portfolioId: string): Promise<StoredPortfolioState | undefined>;
  /**
   * Saves unless a newer epoch of the same incarnation already wrote (a fenced-off node cannot overwrite its
   * successor) or the state's incarnation was deleted. A new incarnation archives the old one's state.
   */
  save(state: StoredPortfolioState, totals: PortfolioTotals): Promise<boolean>;
  /** Deletion: the state is kept in the archive (and its row marked deleted), never lost. */
  markDeleted(portfolioId: string): Promise<void>;
  /** The highest order sequence any incarnation of this id used (0: none): a new one's order ids start after it. */
  usedOrderSeq(portfolioId: string): Promise<number>;
  /** Optional: persists a worker failure (the in-memory store only logs it). */
  recordError?(e: PortfolioError): Promise<void>;
}

export const nodeRuntimeMigrations = numberedMigrations(
  [
    'portfolio_state',
    `CREATE TABLE IF NOT EXISTS portfolio_state (
         portfolio_id VARCHAR(128) PRIMARY KEY,
         epoch BIGINT NOT NULL,
         node_id VARCHAR(128) NOT NULL,
         snapshot LONGTEXT NOT NULL,
         cash_minor BIGINT NOT NULL,
         equity_minor BIGINT NOT NULL,
         deleted_at TIMESTAMP(3) NULL,
         updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
       ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS portfolio_position (
         portfolio_id VARCHAR(128) NOT NULL,
         code VARCHAR(32) NOT NULL,
         volume BIGINT NOT NULL,
         sellable BIGINT NOT NULL,
         avg_cost_minor BIGINT NOT NULL,
         updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
         PRIMARY KEY (portfolio_id, code)
       ) ENGINE=InnoDB`,
  ],
  [
    'input_positions_and_errors',
    'ALTER TABLE portfolio_state ADD COLUMN IF NOT EXISTS input_positions TEXT NULL',
    `CREATE TABLE IF NOT EXISTS portfolio_error (
         id BIGINT AUTO_INCREMENT PRIMARY KEY,
         portfolio_id VARCHAR(128) NOT NULL,
         epoch BIGINT NOT NULL,
         node_id VARCHAR(128) NOT NULL,
         event_id VARCHAR(128) NULL,
         message TEXT NOT NULL,
         created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
         KEY portfolio_error_portfolio (portfolio_id, created_at)
       ) ENGINE=InnoDB`,
  ],
  [
    'incarnations_and_archive',
    'ALTER TABLE portfolio_state ADD COLUMN IF NOT EXISTS incarnation VARCHAR(64) NULL',
    `CREATE TABLE IF NOT EXISTS portfolio_state_archive (
         id BIGINT AUTO_INCREMENT PRIMARY KEY,
         portfolio_id VARCHAR(128) NOT NULL,
         incarnation VARCHAR(64) NULL,
         epoch BIGINT NOT NULL,
         node_id VARCHAR(128) NOT NULL,
         snapshot LONGTEXT NOT NULL,
         input_positions TEXT NULL,
         cash_minor BIGINT NOT NULL,
         equity_minor BIGINT NOT NULL,
         archived_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
         KEY portfolio_state_archive_life (portfolio_id, incarnation)
       ) ENGINE=InnoDB`,
    // Rows deleted before the archive existed: their state goes there too (a re-created portfolio replaces them).
    `INSERT INTO portfolio_state_archive (portfolio_id, incarnation, epoch, node_id, snapshot, input_positions, cash_minor, equity_minor)
       SELECT portfolio_id, incarnation, epoch, node_id, snapshot, input_positions, cash_minor, equity_minor
       FROM portfolio_state WHERE deleted_at IS NOT NULL`,
  ],
);

/** Copies live rows to the archive (`where` over portfolio_state, e.g. the ids being superseded). */
const archiveRows = (where: string) =>
  `INSERT INTO portfolio_state_archive (portfolio_id, incarnation, epoch, node_id, snapshot, input_positions, cash_minor, equity_minor)
     SELECT portfolio_id, incarnation, epoch, node_id, snapshot, input_positions, cash_minor, equity_minor
     FROM portfolio_state WHERE deleted_at IS NULL AND ${where}`;

interface PendingSave {
  state: StoredPortfolioState;
  totals: PortfolioTotals;
  resolve: (saved: boolean) => void;
  reject: (err: unknown) => void;
}

/** Saves written in one transaction at most (snapshots reach ~150 KB: 32 stay far below max_allowed_packet). */
const MAX_GROUP = 32;

export class MySqlPortfolioStateStore implements PortfolioStateStore {
  constructor(
    private readonly db: MySqlDatabase,
    private readonly opts: { maxGroup?: number } = {},
  ) {}

  async init(): Promise<void> {
    await this.db.migrate(nodeRuntimeMigrations, 'node_runtime_migrations');
  }

  async load(portfolioId: string): Promise<StoredPortfolioState | undefined> {
    const rows = await this.db.query<{
      epoch: number;
      node_id: string;
      incarnation: string | null;
      snapshot: string;
      input_positions: string | null;
    }>(
      'SELECT epoch, node_id, incarnation, snapshot, input_positions FROM portfolio_state WHERE portfolio_id = ? AND deleted_at IS NULL',
      [portfolioId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      portfolioId,
      epoch: Number(row.epoch),
      nodeId: row.node_id,
      ...(row.incarnation ? { incarnation: row.incarnation } : {}),
      snapshot: JSON.parse(row.snapshot) as PortfolioSnapshot,
      inputPositions: row.input_positions ? (JSON.parse(row.input_positions) as Record<string, string>) : {},
    };
  }

  /**
   * Group commit: saves that arrive while a transaction runs (one per busy portfolio) are written together in
   * the next one, so a node with many portfolios pays one round of statements and one log flush per group, not
   * per portfolio. Each save still resolves only once its own row is durable, with its own epoch check.
   */
  save(state: StoredPortfolioState, totals: PortfolioTotals): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ state, totals, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private waiting: PendingSave[] = [];
  private flushing = false;

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, this.opts.maxGroup ?? MAX_GROUP);
        try {
          const saved = await this.saveGroup(group);
          group.forEach((g, i) => g.resolve(saved[i]!));
        } catch (err) {
          for (const g of group) g.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** One transaction for the group; returns, per save, whether it was written (false: a newer epoch owns it). */
  private async saveGroup(group: PendingSave[]): Promise<boolean[]> {
    // The newest save per portfolio is the one written (a portfolio has at most one in flight, but be exact).
    const last = new Map<string, number>();
    group.forEach((g, i) => last.set(g.state.portfolioId, i));
    const ids = [...last.keys()].sort(); // a stable lock order: no deadlock between two groups
    return this.db.transaction(async (tx) => {
      const marks = ids.map(() => '?').join(', ');
      const current = await tx.query<{
        portfolio_id: string;
        epoch: number;
        incarnation: string | null;
        deleted_at: Date | null;
      }>(
        `SELECT portfolio_id, epoch, incarnation, deleted_at FROM portfolio_state WHERE portfolio_id IN (${marks}) FOR UPDATE`,
        ids,
      );
      const archivedRows = await tx.query<{ portfolio_id: string; incarnation: string }>(
        `SELECT DISTINCT portfolio_id, incarnation FROM portfolio_state_archive
         WHERE portfolio_id IN (${marks}) AND incarnation IS NOT NULL`,
        ids,
      );
      const stored = new Map(
        current.map((r) => [
          r.portfolio_id,
          { epoch: Number(r.epoch), incarnation: r.incarnation, deleted: r.deleted_at !== null },
        ]),
      );
      const decision = (g: PendingSave) =>
        decideSave(
          stored.get(g.state.portfolioId),
          new Set(archivedRows.filter((r) => r.portfolio_id === g.state.portfolioId).map((r) => r.incarnation)),
          g.state,
        );
      const allowed = (g: PendingSave) => decision(g) !== 'refuse';
      const writes = ids.map((id) => group[last.get(id)!]!).filter(allowed);
      const superseded = writes.filter((g) => decision(g) === 'supersede').map((g) => g.state.portfolioId);
      if (superseded.length > 0)
        await tx.execute(archiveRows(`portfolio_id IN (${superseded.map(() => '?').join(', ')})`), superseded);
      if (writes.length > 0) {
        await tx.execute(
          `INSERT INTO portfolio_state (portfolio_id, epoch, node_id, incarnation, snapshot, input_positions, cash_minor, equity_minor, deleted_at)
           VALUES ${writes.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, NULL)').join(', ')}
           ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), node_id = VALUES(node_id), incarnation = VALUES(incarnation),
             snapshot = VALUES(snapshot), input_positions = VALUES(input_positions), cash_minor = VALUES(cash_minor),
             equity_minor = VALUES(equity_minor), deleted_at = NULL`,
          writes.flatMap((g) => [
            g.state.portfolioId,
            g.state.epoch,
            g.state.nodeId,
            g.state.incarnation ?? null,
            JSON.stringify(g.state.snapshot),
            JSON.stringify(g.state.inputPositions ?? {}),
            g.totals.cash,
            g.totals.equity,
          ]),
        );
        const written = writes.map((g) => g.state.portfolioId);
        await tx.execute(
          `DELETE FROM portfolio_position WHERE portfolio_id IN (${written.map(() => '?').join(', ')})`,
          written,
        );
        const positions = writes.flatMap((g) =>
          g.totals.positions.map((p) => [g.state.portfolioId, p.code, p.volume, p.sellable, p.avgCostMinor]),
        );
        if (positions.length > 0) {
          await tx.execute(
            `INSERT INTO portfolio_position (portfolio_id, code, volume, sellable, avg_cost_minor) VALUES ${positions.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
            positions.flat(),
          );
        }
      }
      // An earlier save of the same portfolio in this group is superseded by the newer one: written too.
      return group.map((g) => allowed(g));
    });
  }

  async markDeleted(portfolioId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(archiveRows('portfolio_id = ?'), [portfolioId]);
      await tx.execute('UPDATE portfolio_state SET deleted_at = CURRENT_TIMESTAMP(3) WHERE portfolio_id = ?', [
        portfolioId,
      ]);
    });
  }

  async usedOrderSeq(portfolioId: string): Promise<number> {
    const seqOf = (table: string) =>
      `SELECT COALESCE(MAX(CAST(JSON_VALUE(snapshot, '$.orderSeq') AS UNSIGNED)), 0) FROM ${table} WHERE portfolio_id = ?`;
    const [row] = await this.db.query<{ seq: number | string }>(
      `SELECT GREATEST((${seqOf('portfolio_state')}), (${seqOf('portfolio_state_archive')})) AS seq`,
      [portfolioId, portfolioId],
    );
    return Number(row?.seq ?? 0);
  }

  async recordError(e: PortfolioError): Promise<void> {
    await this.db.execute(
      'INSERT INTO portfolio_error (portfolio_id, epoch, node_id, event_id, message) VALUES (?, ?, ?, ?, ?)',
      [e.portfolioId, e.epoch, e.nodeId, e.eventId ?? null, e.message.slice(0, 4000)],
    );
  }
}

export class InMemoryPortfolioStateStore implements PortfolioStateStore {
  readonly states = new Map<string, StoredPortfolioState>();

  async load(portfolioId: string) {
    return this.states.get(portfolioId);
  }

  /** Deleted or superseded states per id (what the MySQL store keeps in its archive table). */
  readonly archive = new Map<string, StoredPortfolioState[]>();

  async save(state: StoredPortfolioState, _totals: PortfolioTotals) {
    const current = this.states.get(state.portfolioId);
    const archived = this.archive.get(state.portfolioId) ?? [];
    const lives = new Set(archived.flatMap((s) => (s.incarnation ? [s.incarnation] : [])));
    const stored = current && { epoch: current.epoch, incarnation: current.incarnation ?? null, deleted: false };
    const decision = decideSave(stored, lives, state);
    if (decision === 'refuse') return false;
    if (decision === 'supersede' && current) this.archive.set(state.portfolioId, [...archived, current]);
    this.states.set(state.portfolioId, cloneData(state));
    return true;
  }

  async markDeleted(portfolioId: string) {
    const current = this.states.get(portfolioId);
    if (current) this.archive.set(portfolioId, [...(this.archive.get(portfolioId) ?? []), current]);
    this.states.delete(portfolioId);
  }

  async usedOrderSeq(portfolioId: string) {
    const all = [...(this.archive.get(portfolioId) ?? []), ...[this.states.get(portfolioId) ?? []].flat()];
    return Math.max(0, ...all.map((s) => s.snapshot.orderSeq));
  }
}
