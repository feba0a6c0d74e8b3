import type { Logger } from './logger.js';

export interface Dependency {
  /** Named in logs and in the timeout error, e.g. "MySQL (127.0.0.1:13306)". */
  name: string;
  /** Resolves when the dependency answers; rejects (or hangs, bounded by probeTimeoutMs) otherwise. */
  probe: () => Promise<unknown>;
  /** Not required: at the timeout it is reported and the process starts without it (degraded). */
  optional?: boolean;
}

export class DependencyTimeoutError extends Error {
  constructor(
    readonly missing: { name: string; error: string }[],
    readonly waitedMs: number,
  ) {
    super(`dependencies not ready after ${waitedMs} ms: ${missing.map((m) => `${m.name} (${m.error})`).join('; ')}`);
    this.name = 'DependencyTimeoutError';
  }
}

const bounded = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

/**
 * Waits at start until every dependency answers, probing each again with a capped backoff;
 * readiness stays false meanwhile (the caller starts its health server first). At the timeout it throws
 * DependencyTimeoutError naming each required dependency still down with its last error; optional ones
 * still down are returned instead.
 */
export async function waitForDependencies(
  deps: Dependency[],
  opts: { timeoutMs: number; logger: Logger; probeTimeoutMs?: number; intervalMs?: number },
): Promise<{ unavailable: string[] }> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  const lastError = new Map<string, string>();
  let waiting = [...deps];
  for (let attempt = 0; ; attempt++) {
    const results = await Promise.all(
      waiting.map(async (d) => {
        try {
          await bounded(d.probe(), Math.max(100, Math.min(opts.probeTimeoutMs ?? 5000, deadline - Date.now())), d.name);
          return { d, ok: true };
        } catch (err) {
          lastError.set(d.name, err instanceof Error ? err.message : String(err));
          return { d, ok: false };
        }
      }),
    );
    for (const r of results)
      if (r.ok && attempt > 0)
        opts.logger.info({ dependency: r.d.name, waitedMs: Date.now() - started }, 'dependency ready');
    waiting = results.filter((r) => !r.ok).map((r) => r.d);
    if (waiting.length === 0) return { unavailable: [] };
    if (Date.now() >= deadline) {
      const required = waiting.filter((d) => !d.optional);
      const optional = waiting.filter((d) => d.optional).map((d) => d.name);
      if (required.length) {
        throw new DependencyTimeoutError(
          required.map((d) => ({ name: d.name, error: lastError.get(d.name) ?? 'not ready' })),
          Date.now() - started,
        );
      }
      for (const name of optional)
        opts.logger.error(
          { dependency: name, err: lastError.get(name) },
          'optional dependency not ready at the start timeout: starting degraded',
        );
      return { unavailable: optional };
    }
    opts.logger.warn(
      { waitingFor: waiting.map((d) => ({ name: d.name, err: lastError.get(d.name) })), attempt },
      'waiting for dependencies (not ready yet)',
    );
    const pause = Math.min((opts.intervalMs ?? 250) * 2 ** attempt, 5000, Math.max(0, deadline - Date.now()));
    await new Promise((r) => setTimeout(r, pause));
  }
}
