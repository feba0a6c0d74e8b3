import { writeSync } from 'node:fs';
import { createDefaultRegistry, type ComponentRegistry } from '@ginkgo/core';

/**
 * Crash injection for the kill-at-every-point test: `GINKGO_CRASH_AT=<point>:<n>` kills the process
 * (SIGKILL, no cleanup, nothing flushed) the n-th time the pipeline passes <point>. Points:
 * after-consume, after-handle, after-publish, after-save. Unset in production: a no-op.
 */
const spec = process.env.GINKGO_CRASH_AT;
const [target, nth] = spec ? [spec.split(':')[0], Number(spec.split(':')[1] ?? '1')] : [undefined, 0];
let hits = 0;

export function crashPoint(point: string): void {
  if (target !== point) return;
  hits++;
  if (hits === nth) {
    // Written at once: on a worker thread, process.stderr goes through the main thread and would be lost.
    writeSync(2, `GINKGO_CRASH_AT: killing the process at ${point} #${hits}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}

/**
 * The node's component registry: the built-ins, plus — only with `GINKGO_FAULT_STRATEGY=true`, for the e2e
 * test of worker failures — a strategy "fault-throws" that throws on any price of 10.50 or more and buys
 * once per code below it. Unset in production: the built-ins only.
 */
export function nodeRegistry(env: NodeJS.ProcessEnv = process.env): ComponentRegistry {
  const registry = createDefaultRegistry();
  if (env.GINKGO_FAULT_STRATEGY !== 'true') return registry;
  return registry.registerStrategy('fault-throws', (_view, e, ctx) => {
    if (e.price >= 1050) throw new Error(`fault-throws: boom at ${e.price}`);
    if (ctx.state[e.code] === true) return [];
    ctx.state[e.code] = true;
    return [{ code: e.code, direction: 'LONG', reason: 'fault-throws: first price below 10.50' }];
  });
}
