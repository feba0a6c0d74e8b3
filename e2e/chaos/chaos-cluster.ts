import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TcpProxy } from '@ginkgo/platform/testing';
import type { E2eCluster } from '../../operator/test/e2e-harness.js';
import { repoRoot } from '../test/support/processes.js';
import { NODES, type Fault, type NodeName, type Schedule } from './plan.js';

const run = promisify(execFile);
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One at a time: the tape publishes a message, or a fault strikes, never both at once. */
export class Turns {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** What happened in one fault, with the time the system took to trade again after it. */
export interface FaultRecord {
  fault: Fault;
  startedAt: number;
  /** From the end of the fault's disruptive step (kill, restart, heal) to every portfolio trading and quiet. */
  recoveryMs: number;
  /** Further steps (a restarted node's rebalance, each node of a rolling restart), for the log. */
  steps: string[];
}

/**
 * The three nodes and two operators of a chaos run, and the faults on them: the node behind the Kafka proxy
 * (cut for the partition), the node with a skewed clock (libfaketime: the node reads the wall clock through
 * Date.now, with no offset setting of its own), and the servers of the chaos bed (e2e/testbed/server.sh).
 */
export class ChaosCluster {
  readonly alive = new Set<NodeName>();

  constructor(
    readonly c: E2eCluster,
    private readonly proxy: TcpProxy,
    private readonly schedule: Schedule,
    private readonly skew: boolean,
    /** Every portfolio trading on a live node and the system quiet: resolves when so (throws on timeout). */
    private readonly settled: (timeoutMs?: number) => Promise<void>,
    readonly turns: Turns,
    private readonly log: (line: string) => void,
  ) {}

  get secondOperatorId(): string {
    return `op2-${this.c.suffix}`;
  }

  aliveIds(): Set<string> {
    return new Set([...this.alive].map((n) => this.c.nodeId(n)));
  }

  private envFor(n: NodeName): Record<string, string> {
    const env: Record<string, string> = { STRATEGY_PACKAGES: '@acme/strategies' };
    if (n === this.schedule.partitioned) env.KAFKA_BROKERS = `127.0.0.1:${this.proxy.port}`;
    if (this.skew && n === this.schedule.skewed) {
      const s = this.schedule.skewSeconds;
      Object.assign(env, {
        LD_PRELOAD: FAKETIME_LIB,
        FAKETIME: `${s > 0 ? '+' : ''}${s}`,
        // Timers run on the monotonic clock: only the wall clock is skewed.
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      });
    }
    return env;
  }

  async startNode(n: NodeName): Promise<void> {
    await this.c.startNode(n, this.envFor(n));
    this.alive.add(n);
  }

  async startAll(): Promise<void> {
    await this.c.startOperatorReplica(this.secondOperatorId);
    for (const n of NODES) await this.startNode(n);
  }

  private async settle(what: string, since: number): Promise<number> {
    await this.settled(180_000).catch((err: unknown) => {
      throw new Error(`no recovery ${Math.round((Date.now() - since) / 1000)} s after ${what}: ${String(err)}`);
    });
    return Date.now() - since;
  }

  private async leader(): Promise<string | undefined> {
    const lease = await this.c.clients.coordination.readNamespacedLease({
      name: 'ginkgo-live-operator',
      namespace: this.c.namespace,
    });
    return lease.spec?.holderIdentity ?? undefined;
  }

  private async server(action: 'restart', server: string, pause: number): Promise<void> {
    await run(path.join(repoRoot, 'e2e/testbed/server.sh'), [action, server, String(pause)], { timeout: 180_000 });
  }

  /** Injects one fault and waits for the recovery. */
  async inject(f: Fault): Promise<FaultRecord> {
    const startedAt = Date.now();
    const steps: string[] = [];
    const record = (recoveryMs: number): FaultRecord => ({ fault: f, startedAt, recoveryMs, steps });
    const bounce = async (n: NodeName, how: 'kill' | 'stop', pause: number) => {
      const at = await this.turns.run(async () => {
        this.alive.delete(n);
        await (how === 'kill' ? this.c.node(n).kill() : this.c.node(n).stop());
        return Date.now();
      });
      const failover = await this.settle(`${how} of node ${n}`, at);
      await sleep(pause * 1000);
      const back = Date.now();
      await this.startNode(n);
      const rebalance = await this.settle(`node ${n} back`, back);
      steps.push(`node ${n}: ${how} -> trading ${failover} ms, back -> rebalanced ${rebalance} ms`);
      return failover;
    };
    switch (f.kind) {
      case 'node-kill':
        return record(await bounce(f.node!, 'kill', f.pause));
      case 'rolling-restart': {
        let worst = 0;
        for (const n of NODES) worst = Math.max(worst, await bounce(n, 'stop', 1));
        return record(worst);
      }
      case 'operator-leader-kill': {
        const id = (await this.leader()) ?? this.c.operatorId;
        const at = await this.turns.run(async () => {
          await this.c.operatorProcess(id)?.kill();
          return Date.now();
        });
        // A new leader is what the operator's recovery means; the portfolios keep trading meanwhile.
        for (let other = await this.leader(); other === id; other = await this.leader().catch(() => id))
          await sleep(100);
        const took = await this.settle('the leader operator killed', at);
        steps.push(`leader ${id} killed, ${(await this.leader()) ?? '?'} leads after ${Date.now() - at} ms`);
        await sleep(f.pause * 1000);
        await this.c.startOperatorReplica(id);
        return record(took);
      }
      case 'kafka-restart': {
        // The tape waits while the broker is down: a publish into a dead broker would fail the run, not test it.
        const at = await this.turns.run(async () => {
          await this.server('restart', 'kafka', f.pause);
          return Date.now();
        });
        return record(await this.settle('the Kafka restart', at));
      }
      case 'redis-restart':
      case 'mysql-restart':
      case 'kube-apiserver-restart': {
        const server = { 'redis-restart': 'redis', 'mysql-restart': 'mysql', 'kube-apiserver-restart': 'kube' }[f.kind];
        await this.server('restart', server, f.pause);
        const at = Date.now();
        return record(await this.settle(`the ${server} restart`, at));
      }
      case 'partition': {
        const n = this.schedule.partitioned;
        this.proxy.blackhole();
        this.log(`node ${n} cut off Kafka for ${f.pause} s`);
        await sleep(f.pause * 1000);
        this.proxy.restore();
        const at = Date.now();
        return record(await this.settle(`node ${n} back on Kafka`, at));
      }
    }
  }
}
