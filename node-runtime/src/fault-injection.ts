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
    process.stderr.write(`GINKGO_CRASH_AT: killing the process at ${point} #${hits}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
