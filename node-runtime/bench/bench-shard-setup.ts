import { benchRegistry } from './bench-portfolios.js';

/** What a worker thread of the bench's node loads: the bench's components (see ThreadedWorkerHost). */
export function benchShardSetup() {
  return { registry: benchRegistry() };
}
