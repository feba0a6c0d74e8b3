import type { KubeClients, Logger } from '@ginkgo/platform';
import { PortfolioWriter, eventsInFlight, type Portfolio } from '../src/portfolio-writer.js';

/** Event creates that answer when the test says so. */
function harness() {
  const pending: Array<{ reason: string; answer: () => void }> = [];
  const sent: string[] = [];
  const clients = {
    core: {
      createNamespacedEvent: ({ body }: { body: { reason: string } }) =>
        new Promise<void>((resolve) => {
          sent.push(body.reason);
          pending.push({ reason: body.reason, answer: resolve });
        }),
    },
  } as unknown as KubeClients;
  const logger = { debug: () => undefined } as unknown as Logger;
  const writer = new PortfolioWriter({
    clients,
    namespace: 'ns',
    logger,
    upsert: () => undefined,
    onRefetched: () => undefined,
  });
  const p = { metadata: { name: 'pf', uid: 'u1' } } as unknown as Portfolio;
  const settle = () => new Promise((r) => setImmediate(r));
  return { writer, p, pending, sent, settle };
}

describe('PortfolioWriter Events', () => {
  test('at most eventsInFlight are sent at once, the others in order as answers come', async () => {
    const h = harness();
    for (let i = 0; i < 10; i++) h.writer.event(h.p, 'Normal', 'Assigned', `e${i}`);
    expect(h.sent).toHaveLength(eventsInFlight);
    h.pending.shift()!.answer();
    await h.settle();
    expect(h.sent).toHaveLength(eventsInFlight + 1);
    while (h.pending.length) {
      h.pending.shift()!.answer();
      await h.settle();
    }
    expect(h.sent).toHaveLength(10);
  });

  test('beyond 200 waiting, Events are dropped', async () => {
    const h = harness();
    for (let i = 0; i < eventsInFlight + 250; i++) h.writer.event(h.p, 'Normal', 'Assigned', `e${i}`);
    while (h.pending.length) {
      h.pending.shift()!.answer();
      await h.settle();
    }
    expect(h.sent).toHaveLength(eventsInFlight + 200);
  });
});
