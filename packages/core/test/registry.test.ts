import { ValidationError } from '@ginkgo/contracts';
import { createDefaultRegistry, PortfolioEngine, cnAShareMarket, withAlwaysOpenSessions } from '../src/index.js';
import { engine, price, spec, T0 } from './helpers.js';

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

test('unknown names and bad params are refused with errors naming the field', () => {
  expect(problems(() => engine({ strategy: { name: 'ma-cross', params: { short: -1, long: 20 } } }))).toEqual([
    'strategy.params.short: must be a positive integer',
  ]);
  expect(problems(() => engine({ strategy: { name: 'ma-cross', params: { short: 5, long: 3 } } }))).toEqual([
    'strategy.params.long: must be greater than short (5)',
  ]);
  expect(problems(() => engine({ strategy: { name: 'ma-cros', params: {} } }))[0]).toMatch(
    /^strategy.name: unknown strategy "ma-cros" \(known: ma-cross, rsi, breakout, buy-and-hold\)/,
  );
  expect(
    problems(() =>
      engine({
        strategy: { name: 'rsi', params: { period: 14, low: 70, high: 30 } },
        riskManagers: [
          { name: 'position-ratio', params: { maxRatio: 2 } },
          { name: 'nope', params: {} },
        ],
        sizer: { name: 'fixed-volume', params: { volume: 100, extra: 1 } },
      }),
    ),
  ).toEqual([
    'strategy.params.high: must be greater than low (70)',
    'riskManagers[0].params.maxRatio: must be a number in (0, 1]',
    expect.stringMatching(/^riskManagers\[1\].name: unknown risk manager "nope"/),
    'sizer.params: unknown parameter(s): extra',
  ]);
  expect(problems(() => engine({ sizer: { name: 'fixed-value', params: { value: '12.345' } } }))[0]).toMatch(
    /^sizer.params.value: must be a positive amount/,
  );
  expect(() => engine({ market: 'us' })).toThrow(/spec.market/);
});

test('a user strategy is a few lines registered on a registry', () => {
  const registry = createDefaultRegistry().registerStrategy('dip-buyer', (view, e) =>
    e.price < (view.prevClose(e.code) ?? Infinity)
      ? [{ code: e.code, direction: 'LONG', reason: 'below previous close' }]
      : [],
  );
  const eng = PortfolioEngine.create({
    portfolioId: 'u',
    spec: spec({ strategy: { name: 'dip-buyer', params: {} } }),
    registry,
    market: withAlwaysOpenSessions(cnAShareMarket),
  });
  expect(eng.handle(price('600000.SH', 1000, T0, { prevClose: 1010 })).orders).toHaveLength(1);
  expect(createDefaultRegistry().names()).toEqual({
    strategies: ['ma-cross', 'rsi', 'breakout', 'buy-and-hold'],
    risks: ['position-ratio', 'loss-limit', 'profit-limit', 'limit-move-guard', 'cash-check'],
    sizers: ['fixed-volume', 'fixed-value', 'percent-equity'],
  });
});

test('built-in strategies: rsi and breakout signal on their thresholds; sizers size', () => {
  const r = engine({
    strategy: { name: 'rsi', params: { period: 3, low: 30, high: 70 } },
    sizer: { name: 'percent-equity', params: { percent: 10 } },
  });
  const prices = [1000, 990, 980, 970, 960];
  const outs = prices.map((p, i) => r.handle(price('600000.SH', p, T0 + i * 1000)));
  const longs = outs.flatMap((o) => o.orders);
  // 10% of 1,000,000.00 at 9.70 -> 10309 -> 10300 shares
  expect(longs).toEqual([expect.objectContaining({ side: 'BUY', volume: 10_300, price: 970 })]);
  const b = engine({
    strategy: { name: 'breakout', params: { lookback: 3 } },
    sizer: { name: 'fixed-value', params: { value: '5000.00' } },
  });
  [1000, 1010, 1005].forEach((p, i) => b.handle(price('600000.SH', p, T0 + i * 1000)));
  expect(b.handle(price('600000.SH', 1020, T0 + 5000)).orders).toEqual([expect.objectContaining({ volume: 400 })]);
});
