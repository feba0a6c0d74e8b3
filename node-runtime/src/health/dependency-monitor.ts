import type { Logger } from '@ginkgo/platform';
import type { ResilienceMetrics } from './resilience-metrics.js';

export interface DependencyProbe {
  name: 'kafka' | 'redis' | 'mysql' | 'kube';
  /** Resolves true when the dependency answers. */
  check: () => Promise<boolean> | boolean;
}

/**
 * Watches the node's dependencies while it runs: `ginkgo_node_dependency_up{dependency}`
 * and one alert log per outage (error when it goes, info when it comes back with the outage length). A probe
 * that does not answer within the timeout counts as down; probes never overlap.
 */
export class DependencyMonitor {
  private readonly up = new Map<string, boolean>();
  private readonly downSince = new Map<string, number>();
  private readonly busy = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly opts: {
      probes: DependencyProbe[];
      logger: Logger;
      metrics?: ResilienceMetrics;
      timeoutMs?: number;
    },
  ) {
    for (const p of opts.probes) opts.metrics?.dependencyUp.set({ dependency: p.name }, 1);
  }

  isUp(name: DependencyProbe['name']): boolean {
    return this.up.get(name) ?? true;
  }

  start(intervalMs = 2000): void {
    this.timer = setInterval(() => void this.sample(), intervalMs);
    this.timer.unref();
  }

  async sample(): Promise<void> {
    await Promise.all(this.opts.probes.map((p) => this.probe(p)));
  }

  private async probe(p: DependencyProbe): Promise<void> {
    if (this.busy.has(p.name)) return;
    this.busy.add(p.name);
    let timer: NodeJS.Timeout | undefined;
    let ok = false;
    let error: string | undefined;
    try {
      ok = await Promise.race([
        Promise.resolve(p.check()),
        new Promise<boolean>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.opts.timeoutMs ?? 5000} ms`)),
            this.opts.timeoutMs ?? 5000,
          );
        }),
      ]);
    } catch (err) {
      error = String(err);
    } finally {
      clearTimeout(timer);
      this.busy.delete(p.name);
    }
    this.record(p.name, ok, error);
  }

  private record(name: string, ok: boolean, error: string | undefined): void {
    const was = this.up.get(name) ?? true;
    this.up.set(name, ok);
    this.opts.metrics?.dependencyUp.set({ dependency: name }, ok ? 1 : 0);
    if (was && !ok) {
      this.downSince.set(name, Date.now());
      this.opts.logger.error(
        { alert: 'DependencyDown', dependency: name, err: error },
        `${name} unreachable: clients retry with backoff`,
      );
    } else if (!was && ok) {
      const since = this.downSince.get(name);
      this.downSince.delete(name);
      this.opts.logger.info(
        { dependency: name, downMs: since ? Date.now() - since : undefined },
        `${name} reachable again`,
      );
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
