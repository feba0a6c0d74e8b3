import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minorToDecimal } from '@ginkgo/contracts';
import { equityCurveSvg, marketById, settlementReportHtml, type SettlementRecord } from '@ginkgo/core';
import type { MarketDataMessage } from '@ginkgo/contracts';
import {
  HotStateStatusSink,
  HotStateWriter,
  MySqlPortfolioStateStore,
  hotKeys,
  type StatusSink,
} from '@ginkgo/node-runtime';
import {
  InMemoryMessageBus,
  KafkaMessageBus,
  MySqlDatabase,
  PrefixedTopicBus,
  RedisHotStateStore,
  createLogger,
  deleteKafkaResources,
} from '@ginkgo/platform';
import { MySqlOrderLedger, MySqlSettlementStore, parseCsvTape } from '@ginkgo/livecore';
import { runEmbedded } from './embedded-system.js';
import { TrackingBus } from './tracking-bus.js';

/**
 * `make demo`: three portfolios over the bundled three-day tape through the whole pipeline, no servers needed.
 * With KAFKA_BROKERS / REDIS_URL / MYSQL_URL set, the same pipeline runs over those servers (see runDemo).
 */
// The tapes bundled with livecore (from demo/src in tests and demo/dist when run, both two levels below the root).
const tapePaths: Record<string, string> = {
  cn: fileURLToPath(new URL('../../livecore/tapes/cn-sample-3d.csv', import.meta.url)),
  hk: fileURLToPath(new URL('../../livecore/tapes/hk-sample-3d.csv', import.meta.url)),
};

export const demoPortfolios = {
  'ma-cross-demo': {
    market: 'cn',
    initialCash: '1000000.00',
    strategy: { name: 'ma-cross', params: { short: 5, long: 20 } },
    riskManagers: [
      { name: 'position-ratio', params: { maxRatio: 0.3, mode: 'cut' } },
      { name: 'loss-limit', params: { lossRatio: 0.05 } },
    ],
    sizer: { name: 'fixed-volume', params: { volume: 1000 } },
    interestedCodes: ['600000.SH', '000001.SZ'],
  },
  'buy-and-hold-demo': {
    market: 'cn',
    initialCash: '500000.00',
    strategy: { name: 'buy-and-hold', params: {} },
    sizer: { name: 'fixed-volume', params: { volume: 2000 } },
    interestedCodes: ['600000.SH', '601318.SH'],
  },
  'breakout-demo': {
    market: 'cn',
    initialCash: '800000.00',
    strategy: { name: 'breakout', params: { lookback: 12 } },
    sizer: { name: 'fixed-volume', params: { volume: 500 } },
    interestedCodes: ['300750.SZ', '000001.SZ'],
  },
};

/** DEMO_MARKET=hk: the same pipeline on Hong Kong data (board lots per stock, no T+1, no limits, HK fees). */
export const hkDemoPortfolios = {
  'hk-ma-cross-demo': {
    market: 'hk',
    initialCash: '2000000.00',
    strategy: { name: 'ma-cross', params: { short: 5, long: 20 } },
    riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.3, mode: 'cut' } }],
    sizer: { name: 'fixed-value', params: { value: 200000 } },
    interestedCodes: ['0700.HK', '0005.HK', '0941.HK'],
    commission: { rate: '0.0003', minimum: '3.00' },
  },
  'hk-buy-and-hold-demo': {
    market: 'hk',
    initialCash: '1000000.00',
    strategy: { name: 'buy-and-hold', params: {} },
    sizer: { name: 'fixed-volume', params: { volume: 1000 } },
    interestedCodes: ['0005.HK', '0941.HK'],
  },
};

const demoSets: Record<string, Record<string, Record<string, unknown> & { initialCash: string }>> = {
  cn: demoPortfolios,
  hk: hkDemoPortfolios,
};

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** One page: per portfolio the equity curve over the days, then the core's report of each day. */
function combinedReport(settlements: SettlementRecord[]): string {
  const ids = [...new Set(settlements.map((s) => s.portfolioId))];
  const sections = ids.map((id) => {
    const days = settlements.filter((s) => s.portfolioId === id);
    const last = days.at(-1)!;
    const bodies = days.map((d) =>
      settlementReportHtml(d)
        .replace(/^[\s\S]*<body>/, '')
        .replace(/<\/body>[\s\S]*$/, ''),
    );
    return `<section><h1>${esc(id)}</h1>${equityCurveSvg(last.equityCurve)}${bodies.map((b) => `<div class="day">${b}</div>`).join('\n')}</section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ginkgo Live demo settlement</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}.day{margin-left:2em}</style>
</head><body>${sections.join('\n<hr>\n')}</body></html>\n`;
}

/** What the demo runs on: the embedded default, or the servers named by the environment. */
export interface DemoEnv {
  KAFKA_BROKERS?: string | undefined;
  REDIS_URL?: string | undefined;
  MYSQL_URL?: string | undefined;
  /** Market of the demo: cn (default) or hk. */
  DEMO_MARKET?: string | undefined;
  /** Replay only the first N trading days of the tape. */
  DEMO_DAYS?: string | undefined;
  /** Keep the run's Kafka topics, consumer groups and Redis keys (default: deleted at the end). */
  DEMO_KEEP?: string | undefined;
  DEMO_REPORT_DIR?: string | undefined;
  /** Names this run's topics and portfolio ids (default: random). */
  DEMO_RUN_ID?: string | undefined;
}

export interface DemoResult {
  runId?: string;
  /** Real Kafka topic names of the run (prefixed), when on Kafka. */
  topics: string[];
  groups: string[];
  portfolioIds: string[];
  /** Redis keys (without the store's `ginkgo:` prefix) the run wrote, when on Redis. */
  hotKeys: string[];
  reportPath: string;
  kafkaMessages: number;
}

const redact = (url: string) => url.replace(/\/\/[^@]*@/, '//');

/** Only the first `days` trading days: cut at the first session message of a later day. */
function firstDays(tape: MarketDataMessage[], days: number): MarketDataMessage[] {
  const seen: string[] = [];
  const cut = tape.findIndex((m) => {
    if (m.type !== 'session') return false;
    if (!seen.includes(m.tradingDay)) seen.push(m.tradingDay);
    return seen.length > days;
  });
  return cut < 0 ? tape : tape.slice(0, cut);
}

export async function runDemo(
  env: DemoEnv = process.env,
  out: (s?: string) => void = (s = '') => process.stdout.write(`${s}\n`),
): Promise<DemoResult> {
  const daysKnob = env.DEMO_DAYS ? Number(env.DEMO_DAYS) : undefined;
  if (daysKnob !== undefined && !(Number.isInteger(daysKnob) && daysKnob > 0))
    throw new Error(`DEMO_DAYS: "${env.DEMO_DAYS}" must be a positive whole number of trading days`);
  const market = env.DEMO_MARKET ?? 'cn';
  const tapePath = tapePaths[market];
  const portfolioSet = demoSets[market];
  if (!tapePath || !portfolioSet)
    throw new Error(`DEMO_MARKET: "${market}" must be one of ${Object.keys(tapePaths).join(', ')}`);
  const utcOffsetMs = marketById(market).utcOffsetMinutes * 60_000;
  const fullTape = parseCsvTape(await readFile(tapePath, 'utf8'), { source: tapePath, market });
  const tape = daysKnob ? firstDays(fullTape, daysKnob) : fullTape;
  const days = [...new Set(tape.flatMap((m) => (m.type === 'session' ? [m.tradingDay] : [])))];
  const { KAFKA_BROKERS: kafkaBrokers, REDIS_URL: redisUrl, MYSQL_URL: mysqlUrl } = env;
  const keep = env.DEMO_KEEP === 'true' || env.DEMO_KEEP === '1';
  // On shared servers every run has its own topics, groups and portfolio ids (a rerun must not see the last run's orders).
  const runId =
    kafkaBrokers || redisUrl || mysqlUrl
      ? (env.DEMO_RUN_ID ?? `${Date.now().toString(36).slice(-6)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`)
      : undefined;
  if (runId !== undefined && !/^[a-z0-9][a-z0-9-]{0,30}$/.test(runId))
    throw new Error(`DEMO_RUN_ID: "${runId}" must be lower-case letters, digits and "-" (at most 31)`);
  const idOf = (name: string) => (runId ? `${name}-${runId}` : name);
  const nameOf = (id: string) => (runId && id.endsWith(`-${runId}`) ? id.slice(0, -runId.length - 1) : id);
  const portfolios = Object.fromEntries(Object.entries(portfolioSet).map(([name, spec]) => [idOf(name), spec]));
  const logger = createLogger('demo');

  const db = mysqlUrl ? new MySqlDatabase(mysqlUrl) : undefined;
  const kafka = kafkaBrokers
    ? new KafkaMessageBus({ brokers: kafkaBrokers.split(','), clientId: `ginkgo-demo-${runId}`, logger })
    : undefined;
  const prefixed = kafka ? new PrefixedTopicBus(kafka, { prefix: `demo-${runId}.` }) : undefined;
  const bus = prefixed ? new TrackingBus(prefixed) : undefined;
  let redis: RedisHotStateStore | undefined;
  let hot: HotStateWriter | undefined;
  const stateStore = db ? new MySqlPortfolioStateStore(db) : undefined;
  const hotKeyList = redisUrl ? Object.keys(portfolios).map((id) => hotKeys.portfolio(id)) : [];
  try {
    const store = db ? new MySqlSettlementStore(db) : undefined;
    const ledger = db ? new MySqlOrderLedger(db) : undefined;
    await store?.init();
    await ledger?.init();
    await stateStore?.init();
    if (redisUrl) {
      redis = await RedisHotStateStore.connect(redisUrl);
      hot = new HotStateWriter({ store: redis, logger, intervalMs: 200 });
      hot.start();
    }
    const writer = hot;
    out(
      `Ginkgo Live demo: ${tape.length} market events over ${days.join(', ')}, ${Object.keys(portfolios).length} portfolios${runId ? ` (run ${runId})` : ''}`,
    );
    out(
      `  stores: ${db && mysqlUrl ? `MySQL (${redact(mysqlUrl)}) for the gateway ledger, portfolio state and settlement reports` : 'in-memory'}; hot state: ${redisUrl ? `Redis (${redact(redisUrl)})` : 'none'}; bus: ${kafkaBrokers && prefixed ? `Kafka (${kafkaBrokers}), topics ${prefixed.prefix}*` : 'in-memory'}`,
    );
    const run = await runEmbedded(portfolios, tape, {
      market,
      ...(ledger ? { ledger } : {}),
      ...(store ? { onSettlement: (r: SettlementRecord) => store.save(r) } : {}),
      ...(bus || stateStore || writer
        ? {
            infra: {
              bus: bus ?? new TrackingBus(new InMemoryMessageBus()),
              ...(stateStore ? { stateStore } : {}),
              ...(writer
                ? {
                    wrapStatus: (inner: StatusSink) =>
                      new HotStateStatusSink(inner, writer, { nodeId: 'demo-node', ttlSeconds: 24 * 3600 }),
                  }
                : {}),
            },
          }
        : {}),
      progressEvery: 100,
      onProgress: (done, total) =>
        process.stderr.write(
          `\r  replaying ${done}/${total} events (${Math.round((done / total) * 100)}%)${done === total ? '\n' : ''}`,
        ),
    });
    await hot?.flush(true);
    out(`\nOrders (${run.orders.length})`);
    for (const o of run.orders) {
      const outcome = run.events.filter((e) => e.clientOrderId === o.clientOrderId).at(-1);
      const orderId = runId ? o.clientOrderId.replace(`-${runId}-`, '-') : o.clientOrderId;
      out(
        `  ${new Date(o.ts + utcOffsetMs).toISOString().slice(0, 16).replace('T', ' ')}  ${orderId.padEnd(22)} ${o.side.padEnd(4)} ${o.code} ${String(o.volume).padStart(6)} @ ${minorToDecimal(o.price).padStart(7)}  -> ${outcome?.event ?? 'no answer'}${outcome?.event === 'REJECTED' ? ` (${outcome.reason})` : ''}`,
      );
    }
    out('\nSummary');
    const header = [
      'portfolio',
      'initial',
      'equity',
      'cash',
      'realised',
      'fees',
      'orders',
      'fills',
      'rejected',
      'positions',
    ];
    const rows = run.views.map((v) => {
      const id = v.portfolioId;
      const orders = run.orders.filter((o) => o.portfolioId === id);
      const fills = run.events.filter((e) => e.portfolioId === id && e.fillVolume !== undefined).length;
      const rejected = run.rejections.filter((e) => e.portfolioId === id).length;
      const initial = portfolioSet[nameOf(id)]?.initialCash ?? '';
      return [
        nameOf(id),
        initial,
        minorToDecimal(v.equity),
        minorToDecimal(v.cash),
        minorToDecimal(v.realizedPnl),
        minorToDecimal(v.feesPaid),
        String(orders.length),
        String(fills),
        String(rejected),
        v.positions.map((p) => `${p.code}:${p.volume}(${p.sellable})`).join(' ') || '-',
      ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) =>
      `  ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`;
    out(line(header));
    out(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
    for (const r of rows) out(line(r));
    out(
      `  positions: code:volume(sellable)${marketById(market).settlementLagDays > 0 ? `; T+${marketById(market).settlementLagDays} makes shares bought on the last day unsellable until the next` : '; shares are sellable on the day they are bought'}`,
    );
    const reportDir = resolve(env.DEMO_REPORT_DIR ?? 'reports/demo');
    await mkdir(reportDir, { recursive: true });
    const reportPath = resolve(reportDir, 'settlement-report.html');
    await writeFile(reportPath, combinedReport(run.settlements));
    out(`\nSettlement report (${run.settlements.length} daily settlements, HTML with equity curves): ${reportPath}`);
    if (store)
      out(
        `  also stored in MySQL table settlement_report (one row per portfolio and day, JSON and HTML)${runId ? `, portfolio ids suffixed -${runId}` : ''}`,
      );
    const kafkaMessages = bus?.sentCount() ?? 0;
    if (prefixed)
      out(
        `  Kafka: ${kafkaMessages} messages over ${prefixed.topics().length} topics ${prefixed.prefix}*${keep ? ' (kept: DEMO_KEEP)' : ' (deleted at the end; DEMO_KEEP=true keeps them)'}`,
      );
    if (redisUrl)
      out(
        `  Redis: portfolio summaries at ginkgo:${hotKeys.portfolio('<id>')}${keep ? ' (kept: DEMO_KEEP)' : ' (deleted at the end)'}`,
      );
    return {
      ...(runId ? { runId } : {}),
      topics: prefixed?.topics() ?? [],
      groups: prefixed?.groups() ?? [],
      portfolioIds: Object.keys(portfolios),
      hotKeys: hotKeyList,
      reportPath,
      kafkaMessages,
    };
  } finally {
    await hot?.close();
    if (!keep && redis) for (const k of hotKeyList) await redis.delete(k).catch(() => undefined);
    await redis?.close();
    await bus?.close();
    if (!keep && kafkaBrokers && prefixed) {
      const { failed } = await deleteKafkaResources({
        brokers: kafkaBrokers.split(','),
        topics: prefixed.topics(),
        groups: prefixed.groups(),
      });
      if (failed.length)
        process.stderr.write(`demo: could not delete every Kafka resource of the run: ${failed.join('; ')}\n`);
    }
    if (!keep && stateStore)
      for (const id of Object.keys(portfolios)) await stateStore.markDeleted(id).catch(() => undefined);
    await db?.close();
  }
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'silent';
  await runDemo(process.env);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`demo failed: ${String(err)}\n`);
    process.exit(1);
  });
}
