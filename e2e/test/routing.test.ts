import type { OrderMessage, SubmitOrder } from '@ginkgo/contracts';
import { E2eCluster, eventually } from '../../operator/test/e2e-harness.js';
import { uniqueCodes } from './support/isolation.js';

/** Market data routing by interest set, through the real operator, node-runtime and gateway. */
describe('e2e: market data routing', () => {
  const c = new E2eCluster('routing', 4);

  beforeAll(async () => {
    await c.start({ livecore: true });
    await c.startNode('r1');
  }, 180000);

  afterAll(() => c.stop(), 60000);

  test('S1.01 each tick reaches exactly the portfolios whose interest set holds its code: none lost, none doubled', async () => {
    const [c1, c2, c3, c4] = uniqueCodes(4) as [string, string, string, string];
    const interest: Record<string, string[]> = {
      [`ra-${c.suffix}`]: [c1, c2],
      [`rb-${c.suffix}`]: [c2],
      [`rc-${c.suffix}`]: [c3],
    };
    for (const [name, codes] of Object.entries(interest)) {
      await c.apply(name, {
        market: 'cn',
        initialCash: '100000.00',
        strategy: { name: 'buy-and-hold', params: {} },
        sizer: { name: 'fixed-volume', params: { volume: 100 } },
        interestedCodes: codes,
      });
    }
    for (const name of Object.keys(interest)) await c.running(name);
    const w = await c.watchOrders(Object.keys(interest));
    const sentAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    try {
      for (const code of [c1, c2, c3, c4]) {
        sentAt.set(code, Date.now());
        await c.tick(code, 1000);
      }
      // buy-and-hold orders once per code it sees: 4 orders = c1 -> a, c2 -> a and b, c3 -> c, c4 -> nobody.
      const submits = () => w.orders.filter((o: OrderMessage): o is SubmitOrder => o.type === 'submit');
      await eventually('four orders', async () => {
        for (const o of submits()) if (!seenAt.has(`${o.portfolioId}/${o.code}`)) seenAt.set(`${o.portfolioId}/${o.code}`, Date.now());
        return submits().length >= 4 ? true : undefined;
      }, 60000);
      // A late tick must not produce a fifth order (c4 has no subscriber; everyone else already bought).
      await c.tick(c4, 1000);
      await c.tick(c1, 1001);
      await new Promise((r) => setTimeout(r, 1500));
      const got = submits()
        .map((o) => `${o.portfolioId}/${o.code}`)
        .sort();
      expect(got).toEqual([`ra-${c.suffix}/${c1}`, `ra-${c.suffix}/${c2}`, `rb-${c.suffix}/${c2}`, `rc-${c.suffix}/${c3}`].sort());
      const latencies = [...seenAt].map(([key, t]) => t - (sentAt.get(key.split('/')[1]!) ?? t));
      process.stdout.write(`S1.01 tick -> order seen on orders.cn (ms, e2e incl. polling): ${latencies.join(', ')}\n`);
    } finally {
      await w.close();
    }
  });
});
