import type { MarketDataMessage, PortfolioSpecInput, SubmitOrder } from '@ginkgo/contracts';
import { startKafkaProxy } from '@ginkgo/platform/testing';
import { E2eCluster } from '../../operator/test/e2e-harness.js';
import { sampleTapeOfThisRun } from '../test/support/run-tape.js';
import { TapeDriver } from '../test/support/tape-driver.js';
import { ChaosCluster, Turns, type FaultRecord } from './chaos-cluster.js';
import { checkLedger, liveOutcome, Names, type LedgerCheck, type PortfolioOutcome } from './outcome.js';
import type { Schedule } from './plan.js';
import { PortfolioWatch } from './portfolio-watch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunPlan {
  label: 'clean' | 'faulted';
  specs: readonly [string, PortfolioSpecInput][];
  sample: MarketDataMessage[];
  schedule: Schedule;
  /** Inject the schedule's faults (else only its topology: which node is behind the Kafka proxy). */
  faults: boolean;
  /** The tape is spread over at least this long (the faults need a running tape to strike). */
  minSeconds: number;
  log: (line: string) => void;
}

export interface RunResult {
  outcomes: Map<string, PortfolioOutcome>;
  orders: number;
  fills: number;
  ledger: LedgerCheck;
  faults: FaultRecord[];
  /** Faults of the schedule not injected (the run ended first, or one failed), with the reason. */
  missed: string[];
  /** Times the system did not settle after a message (what was still owed): the tape went on regardless. */
  stalls: string[];
  longestOutage: { portfolio: string; ms: number };
  tapeSeconds: number;
  /** Replayed orders the gateway recognised and did not send again. */
  gatewayDuplicates: number;
}

async function gatewayCounter(c: E2eCluster, metric: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${c.livecore!.healthPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(metric))
    .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
}

/**
 * One run of the chaos day: its own namespace, codes, nodes, two operators and livecore on the chaos bed; the
 * tape one message at a time, the next once every portfolio trades on a live node and the system is quiet (the
 * order a backtest applies things in); faults on their schedule in between, without waiting for quiet.
 */
export async function runChaos(plan: RunPlan): Promise<RunResult> {
  const { tape, codes } = sampleTapeOfThisRun(plan.sample);
  const c = new E2eCluster(`chaos-${plan.label}`, 6);
  const names = new Names(c.suffix, new Map([...codes].map(([orig, mine]) => [mine, orig])));
  const proxy = await startKafkaProxy({ brokerPort: Number(c.env.KAFKA_BROKERS!.split(':').pop()) });
  const turns = new Turns();
  const portfolios = plan.specs.map(([base]) => `${base}-${c.suffix}`);
  const watch = new PortfolioWatch(c, portfolios, () => cluster.aliveIds());
  let driver: TapeDriver | undefined;
  /** Every portfolio trading (in a view newer than the call) and the system quiet twice in a row. */
  const settled = async (timeoutMs = 180_000) => {
    const since = Date.now();
    const deadline = since + timeoutMs;
    let why = 'not started';
    for (let clean = 0; clean < 2;) {
      if (Date.now() > deadline) throw new Error(`not settled after ${timeoutMs} ms: ${why}`);
      let owed: string | undefined;
      try {
        owed = !watch.allTrading(since)
          ? `not trading: ${watch.notTrading().slice(0, 3).join(', ') || '(no fresh view)'}`
          : await driver?.quiet.owed();
      } catch (err) {
        owed = String(err);
      }
      why = owed ?? why;
      clean = owed ? 0 : clean + 1;
      if (owed) await sleep(20);
    }
  };
  const cluster = new ChaosCluster(c, proxy, plan.schedule, plan.faults, settled, turns, plan.log);
  const records: FaultRecord[] = [];
  const missed: string[] = [];
  const stalls: string[] = [];
  try {
    await c.start({ livecore: true, operatorEnv: { LEADER_LEASE_SECONDS: '5' } });
    await cluster.startAll();
    for (const [i, [, spec]] of plan.specs.entries())
      await c.apply(portfolios[i]!, {
        ...spec,
        interestedCodes: (spec.interestedCodes ?? []).map((x) => codes.get(x) ?? x),
      });
    watch.start();
    driver = await TapeDriver.start(c, portfolios, () => [...cluster.aliveIds()]);
    await settled(240_000);
    watch.resetOutages();
    plan.log(`${plan.label}: ${portfolios.length} portfolios trading on 3 nodes; tape of ${tape.length} messages`);

    const start = Date.now();
    let tapeDone = false;
    let faultsDone = !plan.faults;
    const faultLoop = (async () => {
      if (!plan.faults) return;
      for (const f of plan.schedule.faults) {
        await sleep(start + f.at * 1000 - Date.now());
        if (tapeDone) {
          missed.push(`${f.kind} at ${f.at} s: the tape had ended`);
          continue;
        }
        plan.log(`t=${Math.round((Date.now() - start) / 1000)} s: ${f.kind}${f.node ? ` node ${f.node}` : ''}`);
        try {
          const r = await cluster.inject(f);
          records.push(r);
          plan.log(`  recovered in ${r.recoveryMs} ms${r.steps.length ? `; ${r.steps.join('; ')}` : ''}`);
        } catch (err) {
          missed.push(`${f.kind} at ${f.at} s failed: ${String(err)}`);
          plan.log(`  FAILED: ${String(err)}`);
        }
      }
      faultsDone = true;
    })();
    const every = (plan.minSeconds * 1000) / tape.length;
    for (const [i, m] of tape.entries()) {
      // The last messages wait for the last fault: every fault strikes while the tape still runs.
      while (!faultsDone && i >= tape.length - 3) await sleep(200);
      await sleep(start + i * every - Date.now());
      await turns.run(async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await driver!.publish(m);
          } catch (err) {
            if (attempt >= 10) throw err;
            plan.log(`publish of ${m.eventId} failed (${String(err)}), again`);
            await sleep(2000);
          }
        }
      });
      // A stall is a finding, not the end of the run: noted, and the tape goes on (the comparison shows its cost).
      if (stalls.length >= 5) {
        plan.log(`${plan.label}: 5 stalls, the rest of the tape (${tape.length - i} messages) is not played`);
        break;
      }
      await settled(stalls.length ? 30_000 : 180_000).catch((err: unknown) => {
        stalls.push(`after message ${i} (${m.eventId}): ${String(err)}`);
        plan.log(`STALL after message ${i}: ${String(err)}`);
      });
      if (i % 100 === 0) plan.log(`${plan.label}: message ${i}/${tape.length}`);
    }
    tapeDone = true;
    const tapeSeconds = (Date.now() - start) / 1000;
    await faultLoop;
    await settled().catch((err: unknown) => stalls.push(`at the end: ${String(err)}`));
    // The last statuses: a node writes them at most every STATUS_INTERVAL_MS; wait until two views agree.
    let last = '';
    for (let same = 0; same < 3;) {
      await sleep(1000);
      await watch.refresh().catch(() => undefined);
      const now = JSON.stringify(
        portfolios.map((p) => {
          const st = watch.status(p);
          return [st?.cash, st?.realizedPnl, st?.positions];
        }),
      );
      same = now === last ? same + 1 : 0;
      last = now;
    }
    watch.stop();
    const submits = driver.orders.filter((o): o is SubmitOrder => o.type === 'submit');
    const outcomes = new Map<string, PortfolioOutcome>();
    for (const p of portfolios)
      outcomes.set(
        names.id(p),
        liveOutcome(
          names,
          watch.status(p),
          submits.filter((o) => o.portfolioId === p),
          driver.events.filter((e) => e.portfolioId === p),
        ),
      );
    const ledger = await checkLedger(c.env.MYSQL_URL!, portfolios, submits, driver.events);
    return {
      outcomes,
      orders: new Set(submits.map((o) => o.clientOrderId)).size,
      fills: new Set(driver.events.filter((e) => e.fillId).map((e) => e.fillId)).size,
      ledger,
      faults: records,
      missed,
      stalls,
      longestOutage: watch.longestOutage(),
      tapeSeconds,
      gatewayDuplicates: await gatewayCounter(c, 'ginkgo_gateway_orders_duplicate_total'),
    };
  } finally {
    watch.stop();
    await driver?.close().catch(() => undefined);
    await proxy.close().catch(() => undefined);
    await c.stop().catch((err: unknown) => plan.log(`teardown of ${plan.label}: ${String(err)}`));
  }
}
