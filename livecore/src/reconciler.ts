import type { BrokerAdapter, BrokerReport } from './broker-adapter.js';
import { TERMINAL_EVENTS, type OrderLedger } from './order-ledger.js';

export interface ReconcileReport {
  /** Orders the ledger considered open and checked against the broker. */
  checked: number;
  /** Events emitted to bring the portfolios in line with the broker (missed fills, end states). */
  corrections: { clientOrderId: string; event: string; detail: string }[];
  /** Orders working at the broker that the gateway never admitted (for a human to look at). */
  unknownAtGateway: string[];
  /** Accounts whose broker position differs from the fills the gateway recorded for its open orders. */
  positionDifferences: { account: string; code: string; broker: number; ledgerFillsOfOpenOrders: number }[];
}

const brokerEndEvent = { cancelled: 'CANCELLED', rejected: 'REJECTED', expired: 'EXPIRED' } as const;

/**
 * Compares the broker with the gateway's ledger. For each order the ledger thinks is open: fills the
 * broker made but the gateway never published become fill events, and an order the broker finished
 * (or never knew) gets its end state. Emitted reports go through the gateway's usual path, which
 * records each fill and end state once, so running this twice changes nothing.
 */
export async function reconcile(opts: {
  market: string;
  broker: BrokerAdapter;
  ledger: OrderLedger;
  emit: (r: BrokerReport) => void;
}): Promise<ReconcileReport> {
  const { market, broker, ledger, emit } = opts;
  const report: ReconcileReport = { checked: 0, corrections: [], unknownAtGateway: [], positionDifferences: [] };
  const open = await ledger.openOrders(market);
  const brokerOpen = await broker.openOrders();
  const ledgerIds = new Set(open.map((o) => o.clientOrderId));
  for (const b of brokerOpen) {
    if (!ledgerIds.has(b.clientOrderId) && !(await ledger.order(b.clientOrderId)))
      report.unknownAtGateway.push(b.clientOrderId);
  }
  const accounts = new Set<string>();
  for (const order of open) {
    report.checked++;
    accounts.add(order.portfolioId);
    const events = await ledger.events(order.clientOrderId);
    if (events.some((e) => TERMINAL_EVENTS.has(e.event))) continue;
    const b = await broker.order(order.clientOrderId);
    const correct = (r: BrokerReport, detail: string) => {
      report.corrections.push({ clientOrderId: r.clientOrderId, event: r.event, detail });
      emit(r);
    };
    if (!b) {
      if (events.length === 0) continue; // never reached the broker: a replay of the order submits it
      correct(
        {
          clientOrderId: order.clientOrderId,
          event: 'CANCELLED',
          reason: 'reconciliation: the broker has no such working order',
          ts: order.ts,
        },
        'not at the broker',
      );
      continue;
    }
    if (b.status !== 'rejected' && !events.some((e) => e.event === 'ACCEPTED')) {
      correct(
        { clientOrderId: b.clientOrderId, event: 'ACCEPTED', brokerOrderId: b.brokerOrderId, ts: order.ts },
        'acknowledgement missed',
      );
    }
    const seen = new Set(events.flatMap((e) => (e.fillId ? [e.fillId] : [])));
    let cumulative = 0;
    for (const f of b.fills) {
      cumulative += f.volume;
      if (seen.has(f.fillId)) continue;
      correct(
        {
          clientOrderId: b.clientOrderId,
          event: cumulative >= b.volume ? 'FILLED' : 'PARTIALLY_FILLED',
          brokerOrderId: b.brokerOrderId,
          fillId: f.fillId,
          fillVolume: f.volume,
          fillPrice: f.price,
          ...(f.fee !== undefined ? { fillFee: f.fee } : {}),
          ts: f.ts,
        },
        `fill ${f.fillId} of ${f.volume} missed`,
      );
    }
    if (b.status === 'cancelled' || b.status === 'rejected' || b.status === 'expired') {
      correct(
        {
          clientOrderId: b.clientOrderId,
          event: brokerEndEvent[b.status],
          brokerOrderId: b.brokerOrderId,
          reason: `reconciliation: ${b.reason ?? b.status} at the broker (${b.filled}/${b.volume} filled)`,
          ts: b.fills.at(-1)?.ts ?? order.ts,
        },
        `${b.status} at the broker`,
      );
    }
  }
  // Positions: what the broker holds must cover the fills of the orders just reconciled.
  for (const account of accounts) {
    const acc = await broker.account(account);
    const fills = new Map<string, number>();
    for (const order of open.filter((o) => o.portfolioId === account)) {
      const b = await broker.order(order.clientOrderId);
      const v = (b?.filled ?? 0) * (order.side === 'BUY' ? 1 : -1);
      fills.set(order.code, (fills.get(order.code) ?? 0) + v);
    }
    for (const [code, net] of fills) {
      const held = acc.positions.find((p) => p.code === code)?.volume ?? 0;
      if (net > 0 && held < net)
        report.positionDifferences.push({ account, code, broker: held, ledgerFillsOfOpenOrders: net });
    }
  }
  return report;
}
