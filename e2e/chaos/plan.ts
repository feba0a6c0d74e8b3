import { z } from 'zod';
import type { PortfolioSpecInput } from '@ginkgo/contracts';
import { prng, SAMPLE_DAYS } from '@ginkgo/livecore';

/** What `make chaos` reads from the environment (SEED=n replays a run). */
export const ChaosConfig = z.object({
  SEED: z.coerce.number().int().nonnegative().optional(),
  CHAOS_PORTFOLIOS: z.coerce.number().int().min(5).max(500).default(50),
  /** Trading days of the sample tape (3 bundled: limit-down, suspension, dividend; more are generated). */
  CHAOS_DAYS: z.coerce.number().int().min(1).max(60).default(3),
  /** How long the faulted run plays the tape (minutes): the span the faults are spread over. */
  CHAOS_MINUTES: z.coerce.number().positive().max(600).default(7),
});
export type ChaosConfig = z.infer<typeof ChaosConfig>;

export const NODES = ['a', 'b', 'c'] as const;
export type NodeName = (typeof NODES)[number];

/** Trading days from the sample's first day on, weekdays only. */
export function tradingDays(n: number): string[] {
  const days = [...SAMPLE_DAYS];
  const d = new Date(`${days.at(-1)!}T00:00:00Z`);
  while (days.length < n) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) days.push(d.toISOString().slice(0, 10));
  }
  return days.slice(0, n);
}

const STRATEGIES = ['ma-cross', 'breakout', 'rsi', 'buy-and-hold', 'vwap'] as const;

/** `n` portfolios of mixed strategies, params, sizers, cash and codes, all from the seed. */
export function portfolioSpecs(seed: number, n: number, codes: readonly string[]): [string, PortfolioSpecInput][] {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const out: [string, PortfolioSpecInput][] = [];
  for (let i = 0; i < n; i++) {
    const kind = STRATEGIES[i % STRATEGIES.length]!;
    type Component = NonNullable<PortfolioSpecInput['sizer']>;
    const strategy: Component =
      kind === 'ma-cross'
        ? { name: 'ma-cross', params: { short: int(2, 4), long: int(6, 12) } }
        : kind === 'breakout'
          ? { name: 'breakout', params: { lookback: int(3, 8) } }
          : kind === 'rsi'
            ? { name: 'rsi', params: { period: int(4, 8), low: int(30, 40), high: int(60, 70) } }
            : kind === 'vwap'
              ? { name: '@acme/strategies/vwap-reversion', params: { entryBps: int(10, 30), trend: int(5, 15) } }
              : { name: 'buy-and-hold' };
    // Some sizers ask for more than the cash allows: the venue or the engine refuses some orders.
    const sizer: Component =
      rnd() < 0.5
        ? { name: 'fixed-value', params: { value: int(5, 40) * 10000 } }
        : { name: 'fixed-volume', params: { volume: int(1, 20) * 100 } };
    const picked = codes.filter(() => rnd() < 0.6);
    out.push([
      `p${String(i).padStart(2, '0')}-${kind}`,
      {
        market: 'cn',
        initialCash: `${int(2, 40) * 50000}.00`,
        strategy,
        sizer,
        interestedCodes: picked.length ? picked : [codes[int(0, codes.length - 1)]!],
      },
    ]);
  }
  return out;
}

export type FaultKind =
  | 'node-kill'
  | 'operator-leader-kill'
  | 'rolling-restart'
  | 'kafka-restart'
  | 'redis-restart'
  | 'mysql-restart'
  | 'kube-apiserver-restart'
  | 'partition';

export interface Fault {
  /** Seconds from the start of the faulted run's tape. */
  at: number;
  kind: FaultKind;
  node?: NodeName;
  /** Seconds a killed process or stopped server stays down (a partition: how long it lasts). */
  pause: number;
}

export interface Schedule {
  faults: Fault[];
  /** The node behind the Kafka proxy (cut in the partition) and the node with the skewed clock. */
  partitioned: NodeName;
  skewed: NodeName;
  skewSeconds: number;
}

const ONCE: FaultKind[] = [
  'operator-leader-kill',
  'rolling-restart',
  'kafka-restart',
  'redis-restart',
  'mysql-restart',
  'kube-apiserver-restart',
  'partition',
];

/**
 * The faults of a run over `seconds`: a random node SIGKILLed every 30-60 s (back after 3-10 s), and each
 * one-off fault once, spread over the middle of the run in a seeded order.
 */
export function faultSchedule(seed: number, seconds: number): Schedule {
  const rnd = prng(seed ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const between = (lo: number, hi: number) => Math.round((lo + rnd() * (hi - lo)) * 10) / 10;
  const faults: Fault[] = [];
  for (let t = between(30, 60); t < seconds - 20; t += between(30, 60))
    faults.push({ at: Math.round(t * 10) / 10, kind: 'node-kill', node: pick(NODES), pause: between(3, 10) });
  const once = [...ONCE];
  for (let i = once.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [once[i], once[j]] = [once[j]!, once[i]!];
  }
  once.forEach((kind, k) => {
    const at = Math.round(seconds * (0.1 + (0.75 * (k + rnd())) / once.length));
    faults.push({ at, kind, pause: kind === 'partition' ? between(15, 25) : between(3, 8) });
  });
  faults.sort((x, y) => x.at - y.at);
  const partitioned = pick(NODES);
  const skewed = pick(NODES.filter((n) => n !== partitioned));
  // Ahead or behind by 1-3 s: within the node Lease (6 s), so a skewed node is still seen as live.
  const skewSeconds = (rnd() < 0.5 ? -1 : 1) * Math.round(between(1, 3));
  return { faults, partitioned, skewed, skewSeconds };
}
