import { PortfolioSpec, type OrderEvent, type SubmitOrder } from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry } from '@ginkgo/core';
import { createLogger } from '@ginkgo/platform';
import { Registry } from 'prom-client';
import { createNodeMetrics, portfolioFigures, type PortfolioFigures } from '../src/health/node-metrics.js';
import { PortfolioWorker } from '../src/worker/portfolio-worker.js';
import type { WorkerEffects } from '../src/worker/worker-options.js';
import { shanghaiTs, tick } from './helpers.js';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';

const logger = createLogger('node-metrics-test').child({}, { level: process.env.LOG_LEVEL ?? 'silent' });
const spec = PortfolioSpec.parse(buyAndHoldSpec(['600000.SH']));

/** Value of one series in the text exposition, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('node metrics: per-portfolio equity, day PnL, cash, positions value and fills', () => {
  test('S8.08 a fill shows in the portfolio series and the node fill counter; a duplicated fill is not counted, a redelivered event is', async () => {
    const registry = new Registry();
    const metrics = createNodeMetrics(registry);
    const published: SubmitOrder[] = [];
    const effects: WorkerEffects = {
      publish: async (orders) => void published.push(...orders),
      save: async () => true,
      report: () => undefined,
    };
    const engine = PortfolioEngine.create({ portfolioId: 'pm', spec, registry: createDefaultRegistry() });
    const worker = new PortfolioWorker({
      portfolioId: 'pm',
      nodeId: 'n',
      epoch: 1,
      engine,
      effects,
      logger,
      queueCapacity: 10,
      onFills: (n) => metrics.fills.inc({ market: 'cn' }, n),
      onDuplicate: () => metrics.duplicateEvents.inc(),
    });
    metrics.readFrom({ portfolioFigures: () => [portfolioFigures(worker)] });
    await worker.enqueue(tick('t1', '600000.SH', 1000, 0, 1)).settled;
    const order = published[0];
    if (!order) throw new Error('buy-and-hold sent no order');
    const fill = (eventId: string, fillId: string): OrderEvent => ({
      type: 'order',
      eventId,
      ts: shanghaiTs('2026-11-24', '10:00', 5),
      seq: 1,
      event: 'FILLED',
      market: 'cn',
      portfolioId: 'pm',
      clientOrderId: order.clientOrderId,
      fillId,
      fillVolume: 100,
      fillPrice: 1000,
    });
    await worker.enqueue({
      type: 'order',
      eventId: 'a1',
      ts: shanghaiTs('2026-11-24', '10:00', 1),
      seq: 1,
      event: 'ACCEPTED',
      market: 'cn',
      portfolioId: 'pm',
      clientOrderId: order.clientOrderId,
    }).settled;
    await worker.enqueue(fill('f-ev1', 'fill-1')).settled;
    await worker.enqueue(fill('f-ev2', 'fill-1')).settled; // the same fill again, under a new event id
    await worker.enqueue(fill('f-ev1', 'fill-1')).settled; // the same event redelivered
    await worker.enqueue(tick('t2', '600000.SH', 1100, 10, 2)).settled;
    const text = await registry.metrics();
    const view = engine.view();
    expect(view.positions[0]?.volume).toBe(100);
    expect(sample(text, 'ginkgo_portfolio_equity{portfolio="pm"}')).toBe(view.equity / 100);
    expect(sample(text, 'ginkgo_portfolio_cash{portfolio="pm"}')).toBe(view.cash / 100);
    expect(sample(text, 'ginkgo_portfolio_positions_value{portfolio="pm"}')).toBe(1100); // 100 shares at 11.00
    // Day PnL: equity minus the initial cash of this first day (the price rose 1.00 on 100 shares, less fees).
    expect(sample(text, 'ginkgo_portfolio_day_pnl{portfolio="pm"}')).toBeCloseTo((view.equity - 10_000_000) / 100, 6);
    expect(sample(text, 'ginkgo_portfolio_day_pnl{portfolio="pm"}')).toBeGreaterThan(90);
    expect(sample(text, 'ginkgo_portfolio_fills_total{portfolio="pm"}')).toBe(1);
    expect(sample(text, 'ginkgo_node_fills_total{market="cn"}')).toBe(1);
    expect(sample(text, 'ginkgo_node_duplicate_events_total')).toBe(1);
    await worker.stop();
  });

  test('S8.08 five series a portfolio, no per-code labels; a portfolio that left the node leaves no series', async () => {
    const registry = new Registry();
    const metrics = createNodeMetrics(registry);
    let figures: PortfolioFigures[] = Array.from({ length: 10_000 }, (_, i) => ({
      portfolio: `p${i}`,
      equity: 100_000 + i,
      dayPnl: i % 7,
      cash: 50_000,
      positionsValue: 50_000 + i,
      fills: i % 3,
    }));
    metrics.readFrom({ portfolioFigures: () => figures });
    const series = (text: string) => text.split('\n').filter((l) => l.startsWith('ginkgo_portfolio_'));
    const full = series(await registry.metrics());
    // equity, day PnL, cash, positions value for each; fills only where there were any (2 in 3).
    expect(full.length).toBe(4 * 10_000 + figures.filter((f) => f.fills > 0).length);
    expect(full.every((l) => /^ginkgo_portfolio_[a-z_]+\{portfolio="p\d+"\} /.test(l))).toBe(true);
    figures = figures.slice(0, 2);
    const after = series(await registry.metrics());
    expect(after.filter((l) => l.includes('p9999'))).toEqual([]);
    expect(after.length).toBe(4 * 2 + 1);
  });
});
