import { canTransition, transition, type OrderStatus } from '../src/index.js';
import { engine, fill, orderEv, price, T0 } from './helpers.js';

const A = '600000.SH';
const START = 100_000_000;

/** Engine with one submitted BUY of `volume` A at 10.00. */
function withOrder(volume = 1000) {
  const e = engine({ sizer: { name: 'fixed-volume', params: { volume } } });
  const out = e.handle(price(A, 1000, T0));
  expect(out.orders).toHaveLength(1);
  return { e, id: out.orders[0]!.clientOrderId };
}

test('S1.04 partial fill updates position and cash by the filled part only', () => {
  const { e, id } = withOrder(1000);
  e.handle(orderEv({ event: 'ACCEPTED', clientOrderId: id, ts: T0 + 1, brokerOrderId: 'B1' }));
  const out = e.handle(fill(id, 300, 1000, T0 + 2));
  expect(out.dropped).toEqual([]);
  const v = e.view();
  // 300 x 10.00 = 3,000.00; commission min 5.00 + transfer 0.03
  expect(v.cash).toBe(START - 300_000 - 503);
  expect(v.positions[0]).toMatchObject({ volume: 300, sellable: 0 });
  expect(e.order(id)).toMatchObject({ status: 'PARTIALLY_FILLED', filled: 300, brokerOrderId: 'B1' });
  // the remaining 700 stay reserved: 700,000 + fees of the whole order beyond those charged
  expect(v.frozenCash).toBe(700_000 + 510 - 503);
});

test('S1.05 full fill in two parts: FILLED, exact final cash, strategy notified', () => {
  const { e, id } = withOrder(1000);
  e.handle(fill(id, 400, 1000, T0 + 2));
  e.handle(fill(id, 600, 999, T0 + 3, true));
  const v = e.view();
  const amount = 400 * 1000 + 600 * 999;
  // commission 0.025% of 999,400 = 249.85 -> 250 fen < 5.00 min -> 500; transfer 0.001% = 9.994 -> 10
  expect(v.cash).toBe(START - amount - 500 - 10);
  expect(v.frozenCash).toBe(0);
  expect(v.feesPaid).toBe(510);
  expect(e.order(id)?.status).toBe('FILLED');
  expect(v.positions[0]).toMatchObject({ volume: 1000, costMinor: amount + 510 });
  // marked at the last market price (10.00), not the fill price
  expect(v.equity).toBe(v.cash + 1000 * 1000);
});

test('S1.05 strategy is notified of fills through onOrderUpdate', async () => {
  const { createDefaultRegistry } = await import('../src/index.js');
  const seen: string[] = [];
  const registry = createDefaultRegistry().registerStrategy('listener', {
    params: (await import('zod')).z.object({}),
    create: () => ({
      onPrice: (_v, ev) => [{ code: ev.code, direction: 'LONG', reason: 'go' }],
      onOrderUpdate: (_v, u) => void seen.push(`${u.status}:${u.filled}/${u.volume}`),
    }),
  });
  const e = engine({ strategy: { name: 'listener', params: {} } }, { registry });
  const id = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
  e.handle(fill(id, 100, 1000, T0 + 1, true));
  expect(seen).toEqual(['FILLED:100/100']);
});

test('S1.06 rejected order: REJECTED with reason, cash and position untouched', () => {
  const { e, id } = withOrder(1000);
  expect(e.view().frozenCash).toBeGreaterThan(0);
  const out = e.handle(orderEv({ event: 'REJECTED', clientOrderId: id, ts: T0 + 1, reason: 'price outside band' }));
  expect(out.alerts[0]).toMatchObject({ code: 'ORDER_REJECTED', message: expect.stringMatching(/price outside band/) });
  expect(e.order(id)).toMatchObject({ status: 'REJECTED', statusReason: 'price outside band' });
  expect(e.view()).toMatchObject({ cash: START, frozenCash: 0, availableCash: START, positions: [], openOrders: [] });
});

test('S1.07 cancel request -> CANCEL_PENDING -> cancel ack -> CANCELLED, frozen cash released', () => {
  const { e, id } = withOrder(1000);
  e.handle(orderEv({ event: 'ACCEPTED', clientOrderId: id, ts: T0 + 1 }));
  const intent = e.requestCancel(id, T0 + 2);
  expect(intent).toEqual({
    portfolioId: 'alpha',
    clientOrderId: id,
    market: 'cn',
    ts: T0 + 2,
    force: false,
    reason: 'manual cancel',
  });
  expect(e.order(id)?.status).toBe('CANCEL_PENDING');
  expect(e.requestCancel(id, T0 + 3)).toEqual({
    clientOrderId: id,
    error: expect.stringMatching(/already has a cancel pending/),
  });
  e.handle(orderEv({ event: 'CANCELLED', clientOrderId: id, ts: T0 + 4 }));
  expect(e.order(id)?.status).toBe('CANCELLED');
  expect(e.view()).toMatchObject({ cash: START, frozenCash: 0 });
  expect(e.requestCancel(id, T0 + 5)).toEqual({ clientOrderId: id, error: expect.stringMatching(/already CANCELLED/) });
  expect(e.requestCancel('alpha-99', T0 + 5)).toEqual({ clientOrderId: 'alpha-99', error: 'unknown order alpha-99' });
});

test('S1.07 force cancel releases at once; a late fill is still booked', () => {
  const { e, id } = withOrder(1000);
  const intent = e.requestCancel(id, T0 + 2, true, 'operator');
  expect(intent).toMatchObject({ force: true, reason: 'operator' });
  expect(e.view()).toMatchObject({ frozenCash: 0, openOrders: [] });
  e.handle(fill(id, 100, 1000, T0 + 3));
  expect(e.view().positions[0]?.volume).toBe(100);
});

test('S6.05 order timeout: unfilled after 30 s -> cancel sent and recorded', () => {
  const { e, id } = withOrder(1000);
  e.handle(orderEv({ event: 'ACCEPTED', clientOrderId: id, ts: T0 + 1 }));
  expect(e.handle(price(A, 1000, T0 + 29_000)).cancels).toEqual([]);
  const out = e.handle(price(A, 1000, T0 + 31_000));
  expect(out.cancels).toEqual([
    expect.objectContaining({ clientOrderId: id, force: false, reason: expect.stringMatching(/^timeout/) }),
  ]);
  expect(out.alerts).toEqual([expect.objectContaining({ code: 'ORDER_TIMEOUT', subject: id })]);
  expect(e.order(id)?.status).toBe('CANCEL_PENDING');
  // no second cancel while pending
  expect(e.checkTimeouts(T0 + 90_000)).toEqual([]);
  e.handle(orderEv({ event: 'CANCELLED', clientOrderId: id, ts: T0 + 32_000 }));
  expect(e.order(id)?.status).toBe('CANCELLED');
  expect(e.view().frozenCash).toBe(0);
  // checkTimeouts is also callable directly
  const again = withOrder(100);
  expect(again.e.checkTimeouts(T0 + 30_000)).toEqual([expect.objectContaining({ clientOrderId: again.id })]);
});

test('S6.10 cancel after a partial fill keeps the filled part', () => {
  const { e, id } = withOrder(1000);
  e.handle(fill(id, 300, 1000, T0 + 1));
  e.requestCancel(id, T0 + 2);
  // a fill racing the cancel is still booked
  e.handle(fill(id, 100, 1000, T0 + 3));
  expect(e.order(id)?.status).toBe('CANCEL_PENDING');
  e.handle(orderEv({ event: 'CANCELLED', clientOrderId: id, ts: T0 + 4 }));
  const v = e.view();
  expect(e.order(id)).toMatchObject({ status: 'CANCELLED', filled: 400, volume: 1000 });
  expect(v.positions[0]?.volume).toBe(400);
  expect(v.frozenCash).toBe(0);
  expect(v.cash).toBe(START - 400_000 - 504);
});

test('order state machine refuses illegal transitions and overfills', () => {
  const legal: [OrderStatus, OrderStatus][] = [
    ['NEW', 'SUBMITTED'],
    ['SUBMITTED', 'ACCEPTED'],
    ['ACCEPTED', 'PARTIALLY_FILLED'],
    ['PARTIALLY_FILLED', 'FILLED'],
    ['PARTIALLY_FILLED', 'CANCEL_PENDING'],
    ['CANCEL_PENDING', 'CANCELLED'],
    ['SUBMITTED', 'SUBMIT_FAILED'],
    ['ACCEPTED', 'EXPIRED'],
  ];
  for (const [a, b] of legal) expect(canTransition(a, b)).toBe(true);
  for (const [a, b] of [
    ['FILLED', 'CANCELLED'],
    ['REJECTED', 'ACCEPTED'],
    ['CANCELLED', 'FILLED'],
    ['NEW', 'FILLED'],
    ['ACCEPTED', 'SUBMITTED'],
  ] as [OrderStatus, OrderStatus][]) {
    expect(transition(a, b)).toEqual({ ok: false, reason: `illegal transition ${a} -> ${b}` });
  }
  const { e, id } = withOrder(100);
  e.handle(fill(id, 100, 1000, T0 + 1, true));
  let out = e.handle(orderEv({ event: 'REJECTED', clientOrderId: id, ts: T0 + 2 }));
  expect(out.dropped[0]?.reason).toBe('illegal transition FILLED -> REJECTED');
  expect(out.alerts[0]?.code).toBe('ILLEGAL_TRANSITION');
  const { e: e2, id: id2 } = withOrder(100);
  out = e2.handle(fill(id2, 200, 1000, T0 + 1));
  expect(out.dropped[0]?.reason).toMatch(/overfill refused: 0 \+ 200 > 100/);
  expect(e2.view().positions).toEqual([]);
  out = e2.handle(orderEv({ event: 'SUBMIT_FAILED', clientOrderId: id2, ts: T0 + 2, reason: 'broker down' }));
  expect(out.dropped).toEqual([]);
  expect(e2.order(id2)?.status).toBe('SUBMIT_FAILED');
  expect(e2.view().frozenCash).toBe(0);
  out = e2.handle(orderEv({ event: 'ACCEPTED', clientOrderId: 'alpha-77', ts: T0 + 3 }));
  expect(out.dropped[0]?.reason).toBe('unknown order alpha-77');
  out = e2.handle(orderEv({ event: 'ACCEPTED', clientOrderId: 'beta-1', portfolioId: 'beta', ts: T0 + 3 }));
  expect(out.dropped[0]?.reason).toBe('order event for portfolio beta');
});

test('client order ids are deterministic: <portfolioId>-<sequence>', () => {
  const e = engine({ interestedCodes: ['600000.SH', '600001.SH'] }, { id: 'pf-7' });
  expect(e.handle(price('600000.SH', 1000, T0)).orders[0]?.clientOrderId).toBe('pf-7-1');
  expect(e.handle(price('600001.SH', 1000, T0)).orders[0]?.clientOrderId).toBe('pf-7-2');
});
