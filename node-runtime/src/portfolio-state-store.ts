import type { PortfolioSnapshot } from '@ginkgo/core';
import type { Migration, MySqlDatabase } from '@ginkgo/platform';

export interface StoredPortfolioState {
  portfolioId: string;
  epoch: number;
  nodeId: string;
  snapshot: PortfolioSnapshot;
  /**
   * Input positions applied into this snapshot, `<topic>:<partition>` -> last applied offset. Saved in the
   * same transaction as the snapshot: a restarted or migrated portfolio resumes from here, not from a
   * consumer group's offset.
   */
  inputPositions?: Record<string, string>;
}

/** A worker failure kept for post-mortems (S2.10). */
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
  /** Saves unless a newer epoch already wrote (a fenced-off node cannot overwrite its successor). */
  save(state: StoredPortfolioState, totals: PortfolioTotals): Promise<boolean>;
  markDeleted(portfolioId: string): Promise<void>;
  /** Optional: persists a worker failure (the in-memory store only logs it). */
  recordError?(e: PortfolioError): Promise<void>;
}

export const nodeRuntimeMigrations: Migration[] = [
  {
    id: 1,
    name: 'portfolio_state',
    sql: [
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
  },
  {
    id: 2,
    name: 'input_positions_and_errors',
    sql: [
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
  },
];

export class MySqlPortfolioStateStore implements PortfolioStateStore {
  constructor(private readonly db: MySqlDatabase) {}

  async init(): Promise<void> {
    await this.db.migrate(nodeRuntimeMigrations, 'node_runtime_migrations');
  }

  async load(portfolioId: string): Promise<StoredPortfolioState | undefined> {
    const rows = await this.db.query<{ epoch: number; node_id: string; snapshot: string; input_positions: string | null }>(
      'SELECT epoch, node_id, snapshot, input_positions FROM portfolio_state WHERE portfolio_id = ? AND deleted_at IS NULL',
      [portfolioId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      portfolioId,
      epoch: Number(row.epoch),
      nodeId: row.node_id,
      snapshot: JSON.parse(row.snapshot) as PortfolioSnapshot,
      inputPositions: row.input_positions ? (JSON.parse(row.input_positions) as Record<string, string>) : {},
    };
  }

  async save(state: StoredPortfolioState, view: PortfolioTotals): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const current = await tx.query<{ epoch: number }>(
        'SELECT epoch FROM portfolio_state WHERE portfolio_id = ? FOR UPDATE',
        [state.portfolioId],
      );
      if (current[0] && Number(current[0].epoch) > state.epoch) return false;
      await tx.execute(
        `INSERT INTO portfolio_state (portfolio_id, epoch, node_id, snapshot, input_positions, cash_minor, equity_minor, deleted_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
         ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), node_id = VALUES(node_id), snapshot = VALUES(snapshot),
           input_positions = VALUES(input_positions), cash_minor = VALUES(cash_minor), equity_minor = VALUES(equity_minor),
           deleted_at = NULL`,
        [
          state.portfolioId,
          state.epoch,
          state.nodeId,
          JSON.stringify(state.snapshot),
          JSON.stringify(state.inputPositions ?? {}),
          view.cash,
          view.equity,
        ],
      );
      await tx.execute('DELETE FROM portfolio_position WHERE portfolio_id = ?', [state.portfolioId]);
      for (const p of view.positions) {
        await tx.execute(
          'INSERT INTO portfolio_position (portfolio_id, code, volume, sellable, avg_cost_minor) VALUES (?, ?, ?, ?, ?)',
          [state.portfolioId, p.code, p.volume, p.sellable, p.avgCostMinor],
        );
      }
      return true;
    });
  }

  async markDeleted(portfolioId: string): Promise<void> {
    await this.db.execute('UPDATE portfolio_state SET deleted_at = CURRENT_TIMESTAMP(3) WHERE portfolio_id = ?', [portfolioId]);
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

  async save(state: StoredPortfolioState, _totals: PortfolioTotals) {
    const current = this.states.get(state.portfolioId);
    if (current && current.epoch > state.epoch) return false;
    this.states.set(state.portfolioId, structuredClone(state));
    return true;
  }

  async markDeleted(portfolioId: string) {
    this.states.delete(portfolioId);
  }
}
