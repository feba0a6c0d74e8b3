import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PriceUpdate } from '@ginkgo/contracts';
import { MySqlDatabase } from '@ginkgo/platform';
import { E2eCluster, eventually } from '../../operator/test/e2e-harness.js';
import { uniqueCodes } from './support/isolation.js';
import { shanghaiTs } from './support/market-time.js';
import { startProcess, waitReady, type ManagedProcess } from './support/processes.js';

/** The part of a stored snapshot this test reads: ma-cross keeps, per code, a ring of the prices it saw. */
interface StoredSnapshot {
  lastEventTs: number | null;
  components: { strategy: { key: string; state: Record<string, { buf: number[]; i: number; n: number }> } };
}

/**
 * Market data routing by interest set, through the real livecore feeder (a recorded tape), operator and
 * node-runtime. The portfolios run ma-cross with a window longer than the tape: it never trades, and its
 * persisted state holds, per code, every price it was given in order, so a lost, doubled or reordered tick,
 * or one routed to a portfolio not interested in its code, shows in the state; a tick delivered twice, which
 * the engine drops by its event id, shows in the node's duplicate counter.
 */
describe('e2e: market data routing', () => {
  const c = new E2eCluster('routing', 4);
  const db = new MySqlDatabase(process.env.MYSQL_URL ?? '');
  let feeder: ManagedProcess | undefined;

  beforeAll(async () => {
    await c.start();
    await c.startNode('r1');
  }, 180000);

  afterAll(async () => {
    await feeder?.stop();
    await db.close();
    await c.stop();
  }, 60000);

  test('S1.01 each tick, published by the feeder, reaches exactly the portfolios whose interest set holds its code: none lost, none doubled, in order', async () => {
    const [c1, c2, c3, c4] = uniqueCodes(4) as [string, string, string, string];
    const interest: Record<string, string[]> = {
      [`ra-${c.suffix}`]: [c1, c2],
      [`rb-${c.suffix}`]: [c2],
      [`rc-${c.suffix}`]: [c3],
    };
    const window = 100; // longer than the tape: the ring buffer is the whole history and no order is sent
    for (const [name, codes] of Object.entries(interest)) {
      await c.apply(name, {
        market: 'cn',
        initialCash: '100000.00',
        strategy: { name: 'ma-cross', params: { short: 2, long: window } },
        interestedCodes: codes,
      });
    }
    for (const name of Object.keys(interest)) await c.running(name);

    // The tape: ticks of the four codes interleaved, each code with its own count and distinct prices.
    const counts: Record<string, number> = { [c1]: 7, [c2]: 5, [c3]: 4, [c4]: 3 };
    const tape: PriceUpdate[] = [];
    for (let round = 0; round < 7; round++) {
      for (const code of [c1, c2, c3, c4]) {
        if (round >= counts[code]!) continue;
        const seq = tape.length + 1;
        tape.push({
          type: 'price',
          eventId: `route-${c.suffix}-${seq}`,
          ts: shanghaiTs('2026-11-24', '10:30', seq),
          seq,
          market: 'cn',
          code,
          kind: 'tick',
          price: 1000 + round * 3 + [c1, c2, c3, c4].indexOf(code),
          volume: 1000,
          prevClose: 1000,
        });
      }
    }
    const pricesOf = (code: string) => tape.filter((t) => t.code === code).map((t) => t.price);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ginkgo-routing-'));
    const tapeFile = path.join(dir, 'tape.json');
    writeFileSync(tapeFile, JSON.stringify(tape));

    // The engine drops an input it applied already before the strategy sees it, so a tick routed twice would
    // not show in the strategy's state: the node counts such drops, and the count must not move.
    const duplicates = async () => {
      const text = await (await fetch(`http://127.0.0.1:${c.node('r1').healthPort}/metrics`)).text();
      const m = /^ginkgo_node_duplicate_events_total(?:\{[^}]*\})? (\d+)$/m.exec(text);
      if (!m) throw new Error('ginkgo_node_duplicate_events_total not exported');
      return Number(m[1]);
    };
    const duplicatesBefore = await duplicates();
    const startedAt = Date.now();
    feeder = await startProcess('feeder', 'livecore', { ...c.env, MARKET: 'cn', FEEDER_TAPE: tapeFile });
    await waitReady(feeder);
    expect(feeder.logs.some((l) => l.includes('"published":19'))).toBe(true);

    // Evidence of completion: each portfolio's saved state has reached the last tick of its codes.
    const lastTs = (codes: string[]) => Math.max(...tape.filter((t) => codes.includes(t.code)).map((t) => t.ts));
    const states = new Map<string, StoredSnapshot>();
    const appliedAfter = new Map<string, number>();
    for (const [name, codes] of Object.entries(interest)) {
      const st = await eventually(
        `${name} applied its last tick`,
        async () => {
          const rows = await db.query<{ snapshot: string }>(
            'SELECT snapshot FROM portfolio_state WHERE portfolio_id = ?',
            [name],
          );
          const snap = rows[0] ? (JSON.parse(rows[0].snapshot) as StoredSnapshot) : undefined;
          return snap && snap.lastEventTs === lastTs(codes) ? snap : undefined;
        },
        60000,
        100,
      );
      appliedAfter.set(name, Date.now() - startedAt);
      states.set(name, st);
    }
    for (const [name, codes] of Object.entries(interest)) {
      const strategy = states.get(name)!.components.strategy.state;
      // Only its own codes (c4 has no subscriber and reached nobody)...
      expect(Object.keys(strategy).sort()).toEqual([...codes].sort());
      for (const code of codes) {
        // ...and of each, every tick once, in tape order.
        const s = strategy[code]!;
        expect({ name, code, seen: s.n, prices: s.buf.slice(0, s.i) }).toEqual({
          name,
          code,
          seen: counts[code],
          prices: pricesOf(code),
        });
      }
    }
    expect(await duplicates()).toBe(duplicatesBefore);
    process.stdout.write(
      `S1.01 feeder start -> last tick applied and saved (ms, e2e incl. polling): ${[...appliedAfter.values()].join(', ')}\n`,
    );
  }, 180000);
});
