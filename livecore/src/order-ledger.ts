import type { OrderEvent, SubmitOrder } from '@ginkgo/contracts';
import type { Migration, MySqlDatabase } from '@ginkgo/platform';

export type Admission = { kind: 'new' } | { kind: 'duplicate'; events: OrderEvent[] } | { kind: 'stale-epoch'; current: number };

/**
 * The gateway's memory of orders: which client order ids it has seen (so a replayed order
 * is not sent twice), the newest epoch per portfolio (so a fenced-off node cannot trade),
 * and every event published per order (re-sent when a replayed order arrives).
 */
export interface OrderLedger {
  admit(order: SubmitOrder): Promise<Admission>;
  /** Appends the next event of an order, assigning its deterministic event id. */
  append(clientOrderId: string, build: (seq: number) => OrderEvent): Promise<OrderEvent>;
  order(clientOrderId: string): Promise<SubmitOrder | undefined>;
}

export class InMemoryOrderLedger implements OrderLedger {
  private readonly orders = new Map<string, SubmitOrder>();
  private readonly events = new Map<string, OrderEvent[]>();
  private readonly epochs = new Map<string, number>();

  async admit(order: SubmitOrder): Promise<Admission> {
    const current = this.epochs.get(order.portfolioId) ?? 0;
    if (order.epoch < current) return { kind: 'stale-epoch', current };
    this.epochs.set(order.portfolioId, order.epoch);
    if (this.orders.has(order.clientOrderId)) return { kind: 'duplicate', events: this.events.get(order.clientOrderId) ?? [] };
    this.orders.set(order.clientOrderId, order);
    return { kind: 'new' };
  }

  async append(clientOrderId: string, build: (seq: number) => OrderEvent): Promise<OrderEvent> {
    const list = this.events.get(clientOrderId) ?? [];
    const event = build(list.length + 1);
    list.push(event);
    this.events.set(clientOrderId, list);
    return event;
  }

  async order(clientOrderId: string) {
    return this.orders.get(clientOrderId);
  }
}

export const gatewayMigrations: Migration[] = [
  {
    id: 1,
    name: 'gateway_orders',
    sql: [
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
  },
];

export class MySqlOrderLedger implements OrderLedger {
  constructor(private readonly db: MySqlDatabase) {}

  async init(): Promise<void> {
    await this.db.migrate(gatewayMigrations, 'livecore_migrations');
  }

  async admit(order: SubmitOrder): Promise<Admission> {
    return this.db.transaction(async (tx) => {
      await tx.execute('INSERT IGNORE INTO gateway_fence (portfolio_id, epoch) VALUES (?, ?)', [order.portfolioId, order.epoch]);
      const [fence] = await tx.query<{ epoch: number }>('SELECT epoch FROM gateway_fence WHERE portfolio_id = ? FOR UPDATE', [
        order.portfolioId,
      ]);
      const current = Number(fence?.epoch ?? 0);
      if (order.epoch < current) return { kind: 'stale-epoch', current } as const;
      if (order.epoch > current) {
        await tx.execute('UPDATE gateway_fence SET epoch = ? WHERE portfolio_id = ?', [order.epoch, order.portfolioId]);
      }
      const inserted = await tx.execute(
        'INSERT IGNORE INTO gateway_order (client_order_id, portfolio_id, epoch, body) VALUES (?, ?, ?, ?)',
        [order.clientOrderId, order.portfolioId, order.epoch, JSON.stringify(order)],
      );
      if (inserted.affectedRows === 1) return { kind: 'new' } as const;
      const rows = await tx.query<{ body: string }>(
        'SELECT body FROM gateway_order_event WHERE client_order_id = ? ORDER BY seq',
        [order.clientOrderId],
      );
      return { kind: 'duplicate', events: rows.map((r) => JSON.parse(r.body) as OrderEvent) } as const;
    });
  }

  async append(clientOrderId: string, build: (seq: number) => OrderEvent): Promise<OrderEvent> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ n: number | null }>(
        'SELECT MAX(seq) AS n FROM gateway_order_event WHERE client_order_id = ? FOR UPDATE',
        [clientOrderId],
      );
      const event = build(Number(row?.n ?? 0) + 1);
      await tx.execute('INSERT INTO gateway_order_event (client_order_id, seq, body) VALUES (?, ?, ?)', [
        clientOrderId,
        Number(row?.n ?? 0) + 1,
        JSON.stringify(event),
      ]);
      return event;
    });
  }

  async order(clientOrderId: string): Promise<SubmitOrder | undefined> {
    const [row] = await this.db.query<{ body: string }>('SELECT body FROM gateway_order WHERE client_order_id = ?', [clientOrderId]);
    return row ? (JSON.parse(row.body) as SubmitOrder) : undefined;
  }
}
