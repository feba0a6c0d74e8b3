import { PortfolioSpec, type PortfolioResource, type PortfolioSpecInput, type SubmitOrder } from '@ginkgo/contracts';
import { loadStrategyPackages, nodeStatusOf } from '@ginkgo/node-runtime';
import { runBacktest } from '@ginkgo/sdk';
import { E2eCluster } from '../../operator/test/e2e-harness.js';
import { sampleTapeOfThisRun } from './support/run-tape.js';
import { TapeDriver } from './support/tape-driver.js';

/**
 * The short form of the chaos day: five portfolios (the four built-in strategies and the example package's
 * VWAP strategy) on two real nodes, the real operator and livecore, over the three days of the sample tape.
 * While the tape plays, a node is SIGKILLed in the middle of a message, the operator is SIGKILLed, the other
 * node is SIGKILLed, and a node stops gracefully; each comes back, and the operator spreads the portfolios
 * again. Every portfolio must end exactly where the backtest of the same tape ends: the same orders, the same
 * fills, cash, positions and realised PnL. Nothing lost, nothing doubled, no bar skipped by a recovery.
 *
 * The tape goes one message at a time, the next once the system is quiet (TapeDriver): the order the backtest
 * applies things in. Faults strike without waiting for quiet, right after a message was published.
 */
const PACKAGES = { STRATEGY_PACKAGES: '@acme/strategies' };

describe('chaos on a tape: nodes and the operator killed while it plays, every portfolio equal to the backtest', () => {
  const c = new E2eCluster('chaos', 4);
  const alive = new Set<string>();
  beforeAll(async () => {
    await c.start({ livecore: true });
    for (const n of ['a', 'b']) {
      await c.startNode(n, PACKAGES);
      alive.add(n);
    }
  }, 180_000);
  afterAll(() => c.stop(), 60_000);

  test('S2.09 S9.01 four faults during three trading days: same orders, fills, cash, positions and PnL as the backtest', async () => {
    const { tape, codes } = sampleTapeOfThisRun();
    const [sh, sz, gem, ins] = ['600000.SH', '000001.SZ', '300750.SZ', '601318.SH'].map((x) => codes.get(x)!) as [
      string,
      string,
      string,
      string,
    ];
    const s = c.suffix;
    const specs: Record<string, PortfolioSpecInput> = {
      [`ma-${s}`]: {
        market: 'cn',
        initialCash: '1000000.00',
        strategy: { name: 'ma-cross', params: { short: 3, long: 10 } },
        sizer: { name: 'fixed-value', params: { value: 200000 } },
        interestedCodes: [sh, sz, gem, ins],
      },
      [`brk-${s}`]: {
        market: 'cn',
        initialCash: '2000000.00',
        strategy: { name: 'breakout', params: { lookback: 5 } },
        sizer: { name: 'fixed-volume', params: { volume: 500 } },
        interestedCodes: [gem, ins],
      },
      [`rsi-${s}`]: {
        market: 'cn',
        initialCash: '500000.00',
        strategy: { name: 'rsi', params: { period: 6, low: 35, high: 65 } },
        sizer: { name: 'fixed-volume', params: { volume: 1000 } },
        interestedCodes: [sh, sz],
      },
      [`hold-${s}`]: {
        market: 'cn',
        initialCash: '300000.00',
        strategy: { name: 'buy-and-hold' },
        sizer: { name: 'fixed-volume', params: { volume: 500 } },
        interestedCodes: [sh, gem],
      },
      [`vwap-${s}`]: {
        market: 'cn',
        initialCash: '1000000.00',
        strategy: { name: '@acme/strategies/vwap-reversion', params: { entryBps: 20, trend: 10 } },
        sizer: { name: 'fixed-value', params: { value: 100000 } },
        interestedCodes: [sh, gem],
      },
    };
    const names = Object.keys(specs);
    const { registry } = await loadStrategyPackages(['@acme/strategies']);
    const backtest = runBacktest(
      names.map((id) => ({ id, spec: PortfolioSpec.parse(specs[id]) })),
      tape,
      { registry },
    );
    expect(backtest.reduce((n, r) => n + r.fills.length, 0)).toBeGreaterThanOrEqual(10);

    for (const name of names) await c.apply(name, specs[name]!);
    const runningEverywhere = (timeoutMs = 60_000) =>
      Promise.all(
        names.map((name) =>
          c.until(
            `${name} running on a live node`,
            name,
            (p: PortfolioResource) =>
              p.status?.phase === 'Running' &&
              !!p.status.runningNode &&
              p.status.runningNode === p.status.assignedNode &&
              p.status.runningEpoch === p.status.epoch &&
              [...alive].some((n) => c.nodeId(n) === p.status?.runningNode),
            timeoutMs,
          ),
        ),
      );
    await runningEverywhere();

    const driver = await TapeDriver.start(c, names, () => [...alive].map((n) => c.nodeId(n)));
    const { quiet } = driver;
    const recoveries: string[] = [];
    try {
      /** After a fault: every portfolio running on a live node again, and the system quiet. */
      const recovered = async (what: string, since: number) => {
        await runningEverywhere();
        recoveries.push(`${what}: ${Date.now() - since} ms`);
        await quiet.wait(60_000);
      };
      const killNode = async (n: string) => {
        const at = Date.now();
        alive.delete(n);
        await c.node(n).kill();
        await recovered(`SIGKILL node ${n}`, at);
      };
      const stopNode = async (n: string) => {
        const at = Date.now();
        alive.delete(n);
        await c.node(n).stop();
        await recovered(`graceful stop of node ${n}`, at);
      };
      const startNode = async (n: string) => {
        const at = Date.now();
        await c.startNode(n, PACKAGES);
        alive.add(n);
        await recovered(`node ${n} back (rebalanced)`, at);
      };
      const faults: Record<number, () => Promise<void>> = {
        120: async () => {
          await killNode('a');
          await startNode('a');
        },
        250: async () => {
          const at = Date.now();
          await c.restartOperator();
          await recovered('SIGKILL of the operator', at);
        },
        330: async () => {
          await killNode('b');
          await startNode('b');
        },
        430: async () => {
          await stopNode('a');
          await startNode('a');
        },
      };
      await driver.play(tape, async (i) => {
        const fault = faults[i];
        if (fault) await fault();
        return !!fault;
      });

      // What differs, per portfolio, before the assertions (a failure then says where the runs parted).
      {
        const submitsNow = driver.orders.filter((o): o is SubmitOrder => o.type === 'submit');
        const key = (o: SubmitOrder) => `${o.clientOrderId} ${o.code} ${o.side} ${o.volume}@${o.price} ${o.ts}`;
        for (const run of backtest) {
          const live = new Set(submitsNow.filter((o) => o.portfolioId === run.portfolioId).map(key));
          const bt = new Set(run.orders.map(key));
          const onlyLive = [...live].filter((k) => !bt.has(k));
          const onlyBt = [...bt].filter((k) => !live.has(k));
          if (onlyLive.length || onlyBt.length)
            process.stdout.write(
              `chaos diff ${run.portfolioId}: live only ${JSON.stringify(onlyLive)}; backtest only ${JSON.stringify(onlyBt)}; recoveries ${recoveries.join('; ')}\n`,
            );
        }
      }
      // Every portfolio where its backtest ends.
      for (const run of backtest) {
        const want = nodeStatusOf(run.final, '');
        const figures = (x: typeof want) => ({
          cash: x.cash,
          realizedPnl: x.realizedPnl,
          positions: x.positions
            ?.map((p) => ({ code: p.code, volume: p.volume, sellable: p.sellable, avgCost: p.avgCost }))
            .sort((a, b) => (a.code < b.code ? -1 : 1)),
        });
        const p = await c
          .until(`${run.portfolioId} at its final figures`, run.portfolioId, (x) =>
            x.status ? JSON.stringify(figures(x.status)) === JSON.stringify(figures(want)) : false,
          )
          .catch(async (err: unknown) => {
            const now = await c.get(run.portfolioId);
            expect({ id: run.portfolioId, ...figures(now?.status ?? {}) }).toEqual({
              id: run.portfolioId,
              ...figures(want),
            });
            throw err;
          });
        expect(p.status?.equity).toBe(want.equity);
      }
      // The same orders (a recovery may publish one again: the gateway takes it once) and the same fills, once.
      const orderKey = (o: SubmitOrder) =>
        `${o.portfolioId} ${o.clientOrderId} ${o.code} ${o.side} ${o.orderType} ${o.volume}@${o.price} ${o.ts}`;
      const submits = driver.orders.filter((o): o is SubmitOrder => o.type === 'submit');
      expect([...new Set(submits.map(orderKey))].sort()).toEqual(
        backtest.flatMap((r) => r.orders.map(orderKey)).sort(),
      );
      const fills = driver.events.filter((e) => e.fillId !== undefined);
      const fillKey = (id: string, fillId: string, volume: number, price: number) =>
        `${id} ${fillId} ${volume}@${price}`;
      expect(fills.map((e) => fillKey(e.clientOrderId, e.fillId!, e.fillVolume!, e.fillPrice!)).sort()).toEqual(
        backtest.flatMap((r) => r.fills.map((f) => fillKey(f.clientOrderId, f.fillId, f.volume, f.price))).sort(),
      );
      process.stdout.write(
        `chaos tape: ${names.length} portfolios, ${new Set(submits.map((o) => o.clientOrderId)).size} orders, ${fills.length} fills, equal to the backtest; recoveries: ${recoveries.join('; ')}\n`,
      );
    } finally {
      await driver.close();
    }
  }, 900_000);
});
