import type { SubmitOrder } from '@ginkgo/contracts';

/** A valid cn limit buy (100 x 600000.SH at 10.00) of portfolio `p`; tests override what they look at. */
export const testOrder = (o: Partial<SubmitOrder> = {}): SubmitOrder => ({
  type: 'submit',
  clientOrderId: 'p-1',
  portfolioId: 'p',
  epoch: 1,
  nodeId: 'n',
  market: 'cn',
  code: '600000.SH',
  side: 'BUY',
  orderType: 'LIMIT',
  price: 1000,
  volume: 100,
  ts: 0,
  reason: '',
  ...o,
});
