import { decideIntervention } from '../src/order-intervention.js';

const now = new Date('2026-11-24T02:00:00Z');

describe('manual order intervention: the cancel annotation (S6.11)', () => {
  test('S6.11 a valid request gets the next id and condition OrderIntervention=True', () => {
    const d = decideIntervention(
      'alpha',
      '{"clientOrderId":"alpha-7","force":true}',
      { cancelAck: { id: 3, at: 't' } },
      2,
      now,
    );
    expect(d.accepted).toEqual({ id: 4, clientOrderId: 'alpha-7', force: true, requestedAt: now.toISOString() });
    expect(d.cancelRequests).toEqual([d.accepted]);
    expect(d.condition).toMatchObject({
      type: 'OrderIntervention',
      status: 'True',
      reason: 'Requested',
      observedGeneration: 2,
    });
    expect(d.consumeAnnotation).toBe(true);
    const all = decideIntervention('alpha', '{"all":true}', {}, 1, now);
    expect(all.accepted).toMatchObject({ id: 1, all: true, force: false });
  });

  test.each([
    ['not JSON', 'cancel alpha-7', 'not JSON'],
    ['neither id nor all', '{"force":true}', 'clientOrderId'],
    ['both id and all', '{"clientOrderId":"alpha-1","all":true}', 'clientOrderId'],
    ['bad id', '{"clientOrderId":"ALPHA"}', 'clientOrderId'],
    ['another portfolio', '{"clientOrderId":"beta-1"}', 'not an order of portfolio alpha'],
    ['force not a boolean', '{"all":true,"force":"yes"}', 'force'],
    ['unknown field', '{"all":true,"orderId":"x"}', 'orderId'],
  ])('S6.11 refused with the field named: %s', (_what, raw, field) => {
    const d = decideIntervention('alpha', raw, {}, 1, now);
    expect(d.accepted).toBeUndefined();
    expect(d.refused).toContain(field);
    expect(d.condition).toMatchObject({ status: 'False', reason: 'InvalidRequest' });
    expect(d.cancelRequests).toBeUndefined();
    expect(d.consumeAnnotation).toBe(true);
  });

  test('S6.11 acknowledged requests leave status; the same annotation is not recorded twice', () => {
    const pending = [
      { id: 1, all: true, force: false, requestedAt: now.toISOString() },
      { id: 2, clientOrderId: 'alpha-3', force: false, requestedAt: now.toISOString() },
    ];
    const acked = decideIntervention(
      'alpha',
      undefined,
      { cancelRequests: pending, cancelAck: { id: 1, at: 't' } },
      1,
      now,
    );
    expect(acked.cancelRequests).toEqual([pending[1]]);
    const done = decideIntervention(
      'alpha',
      undefined,
      { cancelRequests: pending, cancelAck: { id: 2, at: 't', message: 'sent' } },
      1,
      now,
    );
    expect(done.cancelRequests).toBeNull();
    expect(done.condition).toMatchObject({ status: 'True', reason: 'Handled' });
    const again = decideIntervention('alpha', '{"clientOrderId":"alpha-3"}', { cancelRequests: pending }, 1, now);
    expect(again.accepted).toBeUndefined();
    expect(again.cancelRequests).toBeUndefined();
    expect(again.consumeAnnotation).toBe(true);
  });
});
