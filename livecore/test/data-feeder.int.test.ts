import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topics, type InterestUpdate, type MarketDataMessage } from '@ginkgo/contracts';
import type { MessageBus, MessageProducer } from '@ginkgo/platform';
import {
  DataFeeder,
  FailoverSource,
  FeederSupervisor,
  HttpQuoteSource,
  SyntheticSource,
  sinaQuoteLine,
  type MarketDataSource,
} from '../src/index.js';
import { collect, eventually, kafka, logger, uniqueSuffix } from './support.js';

/** A local quote server speaking the Sina format; `price` and `fail` can be changed while it runs. */
async function quoteServer(initial: { price: string; codes: string[] }) {
  const state = { price: initial.price, fail: false, second: 0, hits: 0 };
  const server = http.createServer((_req, res) => {
    state.hits++;
    if (state.fail) return void res.writeHead(503).end('down');
    state.second++;
    const time = `10:${String(Math.floor(state.second / 60) % 60).padStart(2, '0')}:${String(state.second % 60).padStart(2, '0')}`;
    const body = initial.codes
      .map((code) =>
        sinaQuoteLine({
          code,
          open: '10.00',
          prevClose: '10.00',
          price: state.price,
          high: '10.50',
          low: '9.80',
          volume: 1000 * state.second,
          date: '2026-11-24',
          time,
        }),
      )
      .join('\n');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { state, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('data feeder against real Kafka', () => {
  let bus: MessageBus;
  let producer: MessageProducer;
  const stops: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    bus = kafka('livecore-feeder-test');
    producer = await bus.producer();
  });
  afterAll(async () => {
    await Promise.all(stops.map((s) => s().catch(() => undefined)));
    await producer.close();
    await bus.close();
  }, 120_000);

  async function setup(filterByInterest: boolean) {
    const market = `f${uniqueSuffix()}`.slice(0, 16);
    const feeder = new DataFeeder({ market, bus, logger, filterByInterest, nodeIdGroup: `feeder-${market}` });
    await feeder.start();
    stops.push(() => feeder.stop());
    const md = await collect<MarketDataMessage>(bus, topics.marketData(market), `md-${market}`);
    stops.push(md.close);
    return { market, feeder, md };
  }

  test('S4.04 the feeder starts, applies interest updates and publishes only wanted codes, keyed by code, with source ids and times, none lost or doubled', async () => {
    const { market, feeder, md } = await setup(true);
    const update: InterestUpdate = {
      nodeId: `node-${market}`,
      market,
      codes: ['600000.SH', '000001.SZ'],
      ts: Date.now(),
    };
    await producer.send(topics.interestUpdates, [{ key: `${update.nodeId}/${market}`, value: JSON.stringify(update) }]);
    await eventually('interest applied', () => (feeder.wantedCodes().size === 2 ? true : undefined));
    const source = new SyntheticSource({
      codes: ['600000.SH', '000001.SZ', '300750.SZ'],
      count: 300,
      market,
      startTs: 1_800_000_000_000,
      name: `syn-${market}`,
    });
    const published = await feeder.run(source);
    expect(published).toBe(200);
    expect(feeder.skipped).toBe(100);
    const all = await eventually('200 ticks on the topic', () => (md.items.length >= 200 ? md.items : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(md.items).toHaveLength(200);
    expect(new Set(all.map((m) => m.eventId)).size).toBe(200);
    expect(new Set(all.map((m) => (m.type === 'price' ? m.code : '')))).toEqual(new Set(['600000.SH', '000001.SZ']));
    for (const code of ['600000.SH', '000001.SZ']) {
      const ts = all.flatMap((m) => (m.type === 'price' && m.code === code ? [m.ts] : []));
      expect(ts).toEqual([...ts].sort((a, b) => a - b)); // per-code order kept (keyed by code)
    }
    expect(all[0]?.ts).toBeGreaterThanOrEqual(1_800_000_000_000);
    expect(Number.isFinite(feeder.lastLatencyMs)).toBe(true);
  });

  test('S5.04 the primary source goes down: failover to the backup with an alert, no invalid data published', async () => {
    const { market, feeder, md } = await setup(false);
    const primary = await quoteServer({ price: '10.10', codes: ['600000.SH'] });
    const backup = await quoteServer({ price: '10.20', codes: ['600000.SH'] });
    stops.push(primary.close, backup.close);
    // A broken feed that emits an impossible price (outside the 10% limit) before dying.
    const broken: MarketDataSource = {
      name: 'broken',
      async *messages() {
        yield {
          type: 'price',
          eventId: `bad-${market}`,
          ts: Date.parse('2026-11-24T10:00:00+08:00'),
          seq: 1,
          market,
          code: '600000.SH',
          kind: 'tick',
          price: 5000,
          volume: 1,
          prevClose: 1000,
        } as MarketDataMessage;
        throw new Error('feed handler crashed');
      },
      close: async () => undefined,
    };
    const alerts: string[] = [];
    const source = new FailoverSource(
      [
        broken,
        new HttpQuoteSource({ name: 'primary', baseUrl: primary.url, codes: ['600000.SH'], market, intervalMs: 50 }),
        new HttpQuoteSource({ name: 'backup', baseUrl: backup.url, codes: ['600000.SH'], market, intervalMs: 50 }),
      ],
      { onAlert: (a) => alerts.push(`${a.from} -> ${a.to}: ${a.reason}`) },
    );
    const run = feeder.run(source);
    await eventually('primary quotes', () => md.items.some((m) => m.type === 'price' && m.price === 1010) || undefined);
    primary.state.fail = true;
    await eventually('backup quotes', () => md.items.some((m) => m.type === 'price' && m.price === 1020) || undefined);
    await source.close();
    await run;
    expect(alerts).toEqual([
      expect.stringMatching(/^broken -> primary: broken: feed handler crashed/),
      expect.stringMatching(/^primary -> backup: .*HTTP 503/),
    ]);
    expect(feeder.invalid).toBe(1);
    expect(md.items.every((m) => m.type === 'price' && (m.price === 1010 || m.price === 1020))).toBe(true);
  });

  test('S8.06 the feeder source list is hot-reloaded from its file without a restart', async () => {
    const { market, feeder, md } = await setup(false);
    const a = await quoteServer({ price: '10.01', codes: ['600000.SH'] });
    const b = await quoteServer({ price: '10.02', codes: ['600000.SH'] });
    stops.push(a.close, b.close);
    const dir = await mkdtemp(join(tmpdir(), 'feeder-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'sources.json');
    const sources = (name: string, url: string) =>
      JSON.stringify({ sources: [{ kind: 'http', name, url, codes: ['600000.SH'], intervalMs: 50 }] });
    await writeFile(file, sources('a', a.url));
    const supervisor = new FeederSupervisor({ feeder, path: file, market, logger, pollMs: 100 });
    await supervisor.start();
    stops.push(() => supervisor.stop());
    await eventually(
      'quotes from source a',
      () => md.items.some((m) => m.type === 'price' && m.price === 1001) || undefined,
    );
    // An invalid file is refused; the running source carries on.
    await writeFile(file, JSON.stringify({ sources: [] }));
    await eventually('invalid file refused', () => supervisor.lastError);
    expect(supervisor.sources()).toEqual(['a']);
    await writeFile(file, sources('b', b.url));
    await eventually(
      'quotes from source b',
      () => md.items.some((m) => m.type === 'price' && m.price === 1002) || undefined,
    );
    expect(supervisor.sources()).toEqual(['b']);
    expect(supervisor.reloads).toBe(1);
    const hitsOfA = a.state.hits;
    await new Promise((r) => setTimeout(r, 300));
    expect(a.state.hits).toBe(hitsOfA); // the old source is no longer polled
  });
});
