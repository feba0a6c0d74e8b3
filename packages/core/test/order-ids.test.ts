import { PortfolioEngine } from '../src/index.js';
import { engine, price, spec, T0 } from './helpers.js';

test('client order ids are <portfolioId>-<sequence>, from 1 for a new portfolio', () => {
  const e = engine();
  expect(e.handle(price('600000.SH', 1000, T0)).orders.map((o) => o.clientOrderId)).toEqual(['alpha-1']);
});

test('a portfolio created again under a used id numbers its orders after the earlier ones, and keeps that on restore', () => {
  const e = PortfolioEngine.create({
    portfolioId: 'alpha',
    spec: spec(),
    config: { minSignalIntervalMs: 0 },
    orderSeqAfter: 7,
  });
  expect(e.handle(price('600000.SH', 1000, T0)).orders.map((o) => o.clientOrderId)).toEqual(['alpha-8']);
  // The sequence lives in the state: a restored engine goes on from there, the option does not apply again.
  const restored = PortfolioEngine.restore({
    snapshot: e.snapshot(),
    spec: spec({ interestedCodes: ['600000.SH', '000001.SZ'] }),
  });
  expect(restored.handle(price('000001.SZ', 1000, T0 + 1000)).orders.map((o) => o.clientOrderId)).toEqual(['alpha-9']);
});
