import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * The cores this process is given: its cgroup's CPU quota when it has one (a pod's CPU limit), otherwise the
 * cores the OS offers it.
 */
export function givenCores(cpuMax = '/sys/fs/cgroup/cpu.max'): number {
  const offered = os.availableParallelism();
  try {
    const [quota, period] = readFileSync(cpuMax, 'utf8').trim().split(/\s+/);
    if (quota === undefined || quota === 'max' || !period) return offered;
    return Math.max(1, Math.min(offered, Math.ceil(Number(quota) / Number(period))));
  } catch {
    return offered;
  }
}

/** Most threads by default: a pod without a CPU limit on a large machine would otherwise start dozens. */
const MAX_DEFAULT_THREADS = 16;

/**
 * Worker threads for the portfolios when NODE_WORKER_THREADS is not set: one per given core (at most 16), and
 * none on a single core (the hop to a thread would only cost there).
 */
export function defaultWorkerThreads(cores = givenCores()): number {
  return cores >= 2 ? Math.min(cores, MAX_DEFAULT_THREADS) : 0;
}
