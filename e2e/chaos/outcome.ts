import type { OrderEvent, PortfolioStatus, SubmitOrder } from '@ginkgo/contracts';
import type { PortfolioRun } from '@ginkgo/sdk';
import { nodeStatusOf } from '@ginkgo/node-runtime';
import { MySqlDatabase } from '@ginkgo/platform';

/** Where a portfolio ended, in names of the plan (no run suffix, the sample's codes): comparable across runs. */
export interface PortfolioOutcome {
  cash: string;
  realizedPnl: string;
  /** Sum of the fills' fees, minor units. */
  fees: number;
  positions: string[];
  orders: string[];
  fills: string[];
}

/** Undoes what makes a run's names its own: the namespace suffix and the remapped codes. */
export class Names {
  constructor(
    private readonly suffix?: string,
    private readonly codeBack: ReadonlyMap<string, string> = new Map(),
  ) {}
  id(s: string): string {
    return this.suffix ? s.split(`-${this.suffix}`).join('') : s;
  }
  code(c: string): string {
    return this.codeBack.get(c) ?? c;
  }
}

const orderKey = (n: Names, o: SubmitOrder) =>
  `${n.id(o.clientOrderId)} ${n.code(o.code)} ${o.side} ${o.orderType} ${o.volume}@${o.price} ts=${o.ts}`;
const fillKey = (n: Names, coid: string, fillId: string, volume: number, price: number, fee: number) =>
  `${n.id(coid)} ${n.id(fillId)} ${volume}@${price} fee=${fee}`;
const positionsOf = (n: Names, st: PortfolioStatus) =>
  (st.positions ?? [])
    .map((p) => `${n.code(p.code)} volume=${p.volume} sellable=${p.sellable} cost=${p.avgCost}`)
    .sort();

/** A live run's outcome: the final status the node wrote, the orders it sent and the fills it was told of. */
export function liveOutcome(
  n: Names,
  status: PortfolioStatus | undefined,
  orders: readonly SubmitOrder[],
  events: readonly OrderEvent[],
): PortfolioOutcome {
  const fills = new Map<string, OrderEvent>();
  for (const e of events) if (e.fillId !== undefined && !fills.has(e.fillId)) fills.set(e.fillId, e);
  return {
    cash: status?.cash ?? '?',
    realizedPnl: status?.realizedPnl ?? '?',
    fees: [...fills.values()].reduce((s, e) => s + (e.fillFee ?? 0), 0),
    positions: status ? positionsOf(n, status) : [],
    orders: [...new Set(orders.map((o) => orderKey(n, o)))].sort(),
    fills: [...fills.values()]
      .map((e) => fillKey(n, e.clientOrderId, e.fillId!, e.fillVolume!, e.fillPrice!, e.fillFee ?? 0))
      .sort(),
  };
}

/** The same figures from `ginkgo backtest` of the tape (the reference both live runs should also meet). */
export function backtestOutcome(n: Names, run: PortfolioRun): PortfolioOutcome {
  const st = nodeStatusOf(run.final, '');
  return {
    cash: st.cash ?? '?',
    realizedPnl: st.realizedPnl ?? '?',
    fees: run.fills.reduce((s, f) => s + f.fee, 0),
    positions: positionsOf(n, st),
    orders: run.orders.map((o) => orderKey(n, o)).sort(),
    fills: run.fills.map((f) => fillKey(n, f.clientOrderId, f.fillId, f.volume, f.price, f.fee)).sort(),
  };
}

/** The first field where two outcomes of a portfolio part, said so a reader sees both sides. */
export function firstDifference(a: PortfolioOutcome, b: PortfolioOutcome, la: string, lb: string): string | undefined {
  for (const k of ['cash', 'realizedPnl', 'fees', 'positions', 'orders', 'fills'] as const) {
    const x = a[k];
    const y = b[k];
    if (Array.isArray(x) && Array.isArray(y)) {
      const onlyA = x.filter((v) => !y.includes(v));
      const onlyB = y.filter((v) => !x.includes(v));
      if (onlyA.length || onlyB.length)
        return `${k}: only ${la} ${JSON.stringify(onlyA.slice(0, 3))}; only ${lb} ${JSON.stringify(onlyB.slice(0, 3))}`;
    } else if (x !== y) return `${k}: ${la} ${String(x)}, ${lb} ${String(y)}`;
  }
  return undefined;
}

/** The gateway's ledger (MariaDB) against what the nodes sent and were told. */
export interface LedgerCheck {
  ordersSent: number;
  ordersInLedger: number;
  /** Sent on orders.cn, never recorded by the gateway. */
  lost: string[];
  /** A fill id recorded twice, or an order accepted twice. */
  duplicated: string[];
  /** Recorded by the gateway, never seen on order.events.cn. */
  unpublished: string[];
  /** Orders without a final event at the end of the tape. */
  open: number;
}

export async function checkLedger(
  mysqlUrl: string,
  portfolios: readonly string[],
  orders: readonly SubmitOrder[],
  events: readonly OrderEvent[],
): Promise<LedgerCheck> {
  const db = new MySqlDatabase(mysqlUrl, { connectionLimit: 2 });
  try {
    const marks = portfolios.map(() => '?').join(',');
    const rows = await db.query<{ client_order_id: string; terminal: string | null }>(
      `SELECT client_order_id, terminal FROM gateway_order WHERE portfolio_id IN (${marks})`,
      [...portfolios],
    );
    const evRows = await db.query<{ client_order_id: string; body: string }>(
      `SELECT e.client_order_id, e.body FROM gateway_order_event e JOIN gateway_order o
         ON o.client_order_id = e.client_order_id WHERE o.portfolio_id IN (${marks})`,
      [...portfolios],
    );
    const inLedger = new Set(rows.map((r) => r.client_order_id));
    const sent = new Set(orders.map((o) => o.clientOrderId));
    const published = new Set(events.map((e) => e.eventId));
    const fillsSeen = new Map<string, number>();
    const accepted = new Map<string, number>();
    const unpublished: string[] = [];
    for (const r of evRows) {
      const e = JSON.parse(r.body) as OrderEvent;
      if (e.fillId !== undefined) fillsSeen.set(e.fillId, (fillsSeen.get(e.fillId) ?? 0) + 1);
      if (e.event === 'ACCEPTED') accepted.set(r.client_order_id, (accepted.get(r.client_order_id) ?? 0) + 1);
      if (!published.has(e.eventId)) unpublished.push(`${r.client_order_id} ${e.event}`);
    }
    return {
      ordersSent: sent.size,
      ordersInLedger: inLedger.size,
      lost: [...sent].filter((id) => !inLedger.has(id)),
      duplicated: [
        ...[...fillsSeen].filter(([, k]) => k > 1).map(([id, k]) => `fill ${id} x${k}`),
        ...[...accepted].filter(([, k]) => k > 1).map(([id, k]) => `order ${id} accepted x${k}`),
      ],
      unpublished,
      open: rows.filter((r) => r.terminal === null).length,
    };
  } finally {
    await db.close();
  }
}
