/**
 * The soak's feeder, a child process of soak.ts (so its producer is not counted in the node's RSS): sends
 * `total` ticks to `topic` at `rate` ticks/s, codes in turn, and reports progress to its parent over IPC.
 * Event times spread the run over one trading morning (09:30-11:29), in order per code.
 */
import { Kafka, logLevel } from 'kafkajs';
import { codeUniverse, sessionStart, tick } from './bench-portfolios.js';
import { rawProducer } from './raw-round-trip.js';

export interface FeedPlan {
  brokers: string[];
  topic: string;
  runId: string;
  total: number;
  /** Ticks per second; 0: as fast as the broker takes them. */
  rate: number;
  universe: number;
}

/** Progress the feeder sends to the soak. */
export type FeedProgress = { sent: number; done: boolean };

const MORNING_MS = 7_140_000;
const BATCH = 1000;

async function feed(plan: FeedPlan, report: (p: FeedProgress) => void): Promise<void> {
  const kafka = new Kafka({ clientId: `${plan.runId}-feeder`, brokers: plan.brokers, logLevel: logLevel.ERROR });
  const producer = rawProducer(kafka);
  const codes = codeUniverse(plan.universe);
  const msPerTick = MORNING_MS / plan.total;
  await producer.connect();
  try {
    const t0 = Date.now();
    let lastReport = 0;
    for (let sent = 0; sent < plan.total;) {
      const due = plan.rate > 0 ? Math.floor(((Date.now() - t0) / 1000) * plan.rate) : plan.total;
      const end = Math.min(plan.total, due, sent + BATCH);
      if (end <= sent) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const messages = [];
      for (let i = sent; i < end; i++) {
        const code = codes[i % plan.universe]!;
        messages.push({
          key: code,
          value: JSON.stringify(tick(i, code, sessionStart + Math.floor(i * msPerTick), plan.runId)),
        });
      }
      await producer.send({ topic: plan.topic, acks: -1, messages });
      sent = end;
      if (Date.now() - lastReport >= 1000 || sent === plan.total) {
        lastReport = Date.now();
        report({ sent, done: sent === plan.total });
      }
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

const plan = JSON.parse(process.env.SOAK_FEED_PLAN ?? 'null') as FeedPlan | null;
if (!plan || !process.send) {
  process.stderr.write('soak-feeder: run by soak.js (SOAK_FEED_PLAN and an IPC channel)\n');
  process.exit(2);
}
feed(plan, (p) => process.send?.(p)).then(
  () => process.disconnect(),
  (err: unknown) => {
    process.stderr.write(`soak-feeder failed: ${String(err)}\n`);
    process.exit(1);
  },
);
