import type { OrderEvent, OrderEventType, SubmitOrder } from '@ginkgo/contracts';
import { numberedMigrations, type MySqlDatabase, type SqlExecutor } from '@ginkgo/platform';
import { checkFence, type FenceState } from './order-fence.js';

export type Admission =
  { kind: 'new' } | { kind: 'duplicate'; events: OrderEvent[] } | { kind: 'stale-epoch'; current: number };

/** A message's epoch against the newest seen for its portfolio (which it raises when newer). */
export type FenceCheck = { stale: false } | { stale: true; current: number };

export const TERMINAL_EVENTS: ReadonlySet<OrderEventType> = new Set([
  'FILLED',
  'REJECTED',
  'CANCELLED',
  'SUBMIT_FAILED',
  'EXPIRED',
]);

/** Decides the next event from the ones already recorded; undefined = nothing to record (e.g. a duplicate fill). */
export type EventBuilder = (seq: number, prior: readonly OrderEvent[]) => OrderEvent | undefined;

/**
 * The gateway's memory of orders: which client order ids it has seen (so a replayed order
 * is not sent twice), the newest epoch per portfolio (so a fenced-off node cannot trade),
 * and every event published per order (re-sent when a replayed order arrives).
 */
export interface OrderLedger {
  admit(order: SubmitOrder): Promise<Admission>;
  /** Fencing for messages that are not new orders (cancels): stale when older than the newest epoch seen. */
  observeEpoch(portfolioId: string, epoch: number, incarnation?: string): Promise<FenceCheck>;
  /** Appends the next event of an order atomically with respect to its earlier events. */
  append(clientOrderId: string, build: EventBuilder): Promise<OrderEvent | undefined>;
  order(clientOrderId: string): Promise<SubmitOrder | undefined>;
  events(clientOrderId: string): Promise<OrderEvent[]>;
  /** Orders of a market without a terminal event yet (what reconciliation checks). */
  openOrders(market: string): Promise<SubmitOrder[]>;
}

export class InMemoryOrderLedger implements OrderLedger {
  private readonly orders = new Map<string, SubmitOrder>();
  private readonly eventLists = new Map<string, OrderEvent[]>();
  private readonly fences = new Map<string, FenceState>();
  private readonly retired = new Set<string>();

  async admit(order: SubmitOrder): Promise<Admission> {
    const fence = await this.observeEpoch(order.portfolioId, order.epoch, order.incarnation);
    if (fence.stale) return { kind: 'stale-epoch', current: fence.current };
    if (this.orders.has(order.clientOrderId))
      return { kind: 'duplicate', events: this.eventLists.get(order.clientOrderId) ?? [] };
    this.orders.set(order.clientOrderId, order);
    return { kind: 'new' };
  }

  async observeEpoch(portfolioId: string, epoch: number, incarnation?: string): Promise<FenceCheck> {
    const retired = incarnation !== undefined && this.retired.has(`${portfolioId}/${incarnation}`);
    const r = checkFence(this.fences.get(portfolioId), retired, { epoch, incarnation });
    if (r.stale) return r;
    if (r.retire) this.retired.add(`${portfolioId}/${r.retire}`);
    if (r.next) this.fences.set(portfolioId, r.next);
    return { stale: false };
  }

  async append(clientOrderId: string, build: EventBuilder): Promise<OrderEvent | undefined> {
    const list = this.eventLists.get(clientOrderId) ?? [];
    const event = build(list.length + 1, list);
    if (!event) return undefined;
    list.push(event);
    this.eventLists.set(clientOrderId, list);
    return event;
  }

  async order(clientOrderId: string) {
    return this.orders.get(clientOrderId);
  }

  async events(clientOrderId: string): Promise<OrderEvent[]> {
    return [...(this.eventLists.get(clientOrderId) ?? [])];
  }

  async openOrders(market: string): Promise<SubmitOrder[]> {
    return [...this.orders.values()].filter(
      (o) =>
        o.market === market && !(this.eventLists.get(o.clientOrderId) ?? []).some((e) => TERMINAL_EVENTS.has(e.event)),
    );
  }
}

const terminalList = [...TERMINAL_EVENTS].map((t) => `'${t}'`).join(',');

export const gatewayMigrations = numberedMigrations(
  [
    'gateway_orders',
    `CREATE TABLE IF NOT EXISTS gateway_order (
         client_order_id VARCHAR(160) PRIMARY KEY,
         portfolio_id VARCHAR(128) NOT NULL,
         epoch BIGINT NOT NULL,
         body TEXT NOT NULL,
         created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
         KEY by_portfolio (portfolio_id)
       ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS gateway_order_event (
         client_order_id VARCHAR(160) NOT NULL,
         seq INT NOT NULL,
         body TEXT NOT NULL,
         created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
         PRIMARY KEY (client_order_id, seq)
       ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS gateway_fence (
         portfolio_id VARCHAR(128) PRIMARY KEY,
         epoch BIGINT NOT NULL
       ) ENGINE=InnoDB`,
  ],
  [
    'gateway_order_market_and_terminal',
    `ALTER TABLE gateway_order
         ADD COLUMN IF NOT EXISTS market VARCHAR(16) NULL,
         ADD COLUMN IF NOT EXISTS terminal VARCHAR(20) NULL,
         ADD INDEX IF NOT EXISTS by_market_open (market, terminal)`,
    `UPDATE gateway_order SET market = JSON_UNQUOTE(JSON_EXTRACT(body, '$.market')) WHERE market IS NULL`,
    `UPDATE gateway_order o SET terminal = (
         SELECT JSON_UNQUOTE(JSON_EXTRACT(e.body, '$.event')) FROM gateway_order_event e
         WHERE e.client_order_id = o.client_order_id AND JSON_UNQUOTE(JSON_EXTRACT(e.body, '$.event')) IN (${terminalList})
         ORDER BY e.seq LIMIT 1)
       WHERE terminal IS NULL`,
  ],
  [
    'gateway_fence_incarnations',
    'ALTER TABLE gateway_fence ADD COLUMN IF NOT EXISTS incarnation VARCHAR(64) NULL',
    `CREATE TABLE IF NOT EXISTS gateway_retired_incarnation (
         portfolio_id VARCHAR(128) NOT NULL,
         incarnation VARCHAR(64) NOT NULL,
         retired_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
         PRIMARY KEY (portfolio_id, incarnation)
       ) ENGINE=InnoDB`,
  ],
);

export class MySqlOrderLedger implements OrderLedger {
  constructor(private readonly db: MySqlDatabase) {}

  async init(): Promise<void> {
    await this.db.migrate(gatewayMigrations, 'livecore_migrations');
  }

  /**
   * Inside a transaction: compares with the portfolio's fence row (locked) and moves it on to a newer epoch or
   * incarnation (see order-fence.ts).
   */
  private async fence(tx: SqlExecutor, portfolioId: string, epoch: number, incarnation?: string): Promise<FenceCheck> {
    await tx.execute('INSERT IGNORE INTO gateway_fence (portfolio_id, epoch, incarnation) VALUES (?, ?, ?)', [
      portfolioId,
      epoch,
      incarnation ?? null,
    ]);
    const [row] = await tx.query<{ epoch: number; incarnation: string | null }>(
      'SELECT epoch, incarnation FROM gateway_fence WHERE portfolio_id = ? FOR UPDATE',
      [portfolioId],
    );
    const retired =
      incarnation !== undefined &&
      (
        await tx.query('SELECT 1 FROM gateway_retired_incarnation WHERE portfolio_id = ? AND incarnation = ?', [
          portfolioId,
          incarnation,
        ])
      ).length > 0;
    const r = checkFence(row && { epoch: Number(row.epoch), incarnation: row.incarnation }, retired, {
      epoch,
      incarnation,
    });
    if (r.stale) return r;
    if (r.retire)
      await tx.execute('INSERT IGNORE INTO gateway_retired_incarnation (portfolio_id, incarnation) VALUES (?, ?)', [
        portfolioId,
        r.retire,
      ]);
    if (r.next)
      await tx.execute('UPDATE gateway_fence SET epoch = ?, incarnation = ? WHERE portfolio_id = ?', [
        r.next.epoch,
        r.next.incarnation ?? null,
        portfolioId,
      ]);
    return { stale: false };
  }

  async observeEpoch(portfolioId: string, epoch: number, incarnation?: string): Promise<FenceCheck> {
    return this.db.transaction((tx) => this.fence(tx, portfolioId, epoch, incarnation));
  }

  async admit(order: SubmitOrder): Promise<Admission> {
    return this.db.transaction(async (tx) => {
      const fence = await this.fence(tx, order.portfolioId, order.epoch, order.incarnation);
      if (fence.stale) return { kind: 'stale-epoch', current: fence.current } as const;
      const inserted = await tx.execute(
        'INSERT IGNORE INTO gateway_order (client_order_id, portfolio_id, epoch, body, market) VALUES (?, ?, ?, ?, ?)',
        [order.clientOrderId, order.portfolioId, order.epoch, JSON.stringify(order), order.market],
      );
      if (inserted.affectedRows === 1) return { kind: 'new' } as const;
      const rows = await tx.query<{ body: string }>(
        'SELECT body FROM gateway_order_event WHERE client_order_id = ? ORDER BY seq',
        [order.clientOrderId],
      );
      return { kind: 'duplicate', events: rows.map((r) => JSON.parse(r.body) as OrderEvent) } as const;
    });
  }

  async append(clientOrderId: string, build: EventBuilder): Promise<OrderEvent | undefined> {
    return this.db.transaction(async (tx) => {
      // Locking the order row serialises appends of one order across gateway instances.
      await tx.query('SELECT client_order_id FROM gateway_order WHERE client_order_id = ? FOR UPDATE', [clientOrderId]);
      const rows = await tx.query<{ body: string }>(
        'SELECT body FROM gateway_order_event WHERE client_order_id = ? ORDER BY seq',
        [clientOrderId],
      );
      const prior = rows.map((r) => JSON.parse(r.body) as OrderEvent);
      const event = build(prior.length + 1, prior);
      if (!event) return undefined;
      await tx.execute('INSERT INTO gateway_order_event (client_order_id, seq, body) VALUES (?, ?, ?)', [
        clientOrderId,
        prior.length + 1,
        JSON.stringify(event),
      ]);
      if (TERMINAL_EVENTS.has(event.event)) {
        await tx.execute('UPDATE gateway_order SET terminal = ? WHERE client_order_id = ? AND terminal IS NULL', [
          event.event,
          clientOrderId,
        ]);
      }
      return event;
    });
  }

  async order(clientOrderId: string): Promise<SubmitOrder | undefined> {
    const [row] = await this.db.query<{ body: string }>('SELECT body FROM gateway_order WHERE client_order_id = ?', [
      clientOrderId,
    ]);
    return row ? (JSON.parse(row.body) as SubmitOrder) : undefined;
  }

  async events(clientOrderId: string): Promise<OrderEvent[]> {
    const rows = await this.db.query<{ body: string }>(
      'SELECT body FROM gateway_order_event WHERE client_order_id = ? ORDER BY seq',
      [clientOrderId],
    );
    return rows.map((r) => JSON.parse(r.body) as OrderEvent);
  }

  async openOrders(market: string): Promise<SubmitOrder[]> {
    const rows = await this.db.query<{ body: string }>(
      'SELECT body FROM gateway_order WHERE market = ? AND terminal IS NULL ORDER BY created_at, client_order_id',
      [market],
    );
    return rows.map((r) => JSON.parse(r.body) as SubmitOrder);
  }
}
