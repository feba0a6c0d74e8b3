import { statfs } from 'node:fs/promises';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { PeriodicMonitor } from './periodic-monitor.js';

export interface DiskSample {
  path: string;
  freeBytes: number;
  totalBytes: number;
  freeRatio: number;
  alert: boolean;
}

export type StatFs = (path: string) => Promise<{ bavail: number; blocks: number; bsize: number }>;

/**
 * Free space where a process writes (spool, data): exported per path, and an alert
 * below either threshold, so the spool cannot silently fill the disk.
 */
export class DiskSpaceMonitor extends PeriodicMonitor<DiskSample[]> {
  private readonly free: Gauge;
  private readonly ratio: Gauge;
  private readonly alerting: Gauge;
  private readonly alerted = new Set<string>();

  constructor(
    private readonly opts: {
      paths: string[];
      registry: Registry;
      logger: Logger;
      minFreeRatio?: number;
      minFreeBytes?: number;
      statfs?: StatFs;
    },
  ) {
    super({ logger: opts.logger, defaultIntervalMs: 30000, failure: 'disk sample failed' });
    const registers = [opts.registry];
    this.free = new Gauge({
      name: 'ginkgo_disk_free_bytes',
      help: 'Free bytes where the process writes',
      labelNames: ['path'],
      registers,
    });
    this.ratio = new Gauge({
      name: 'ginkgo_disk_free_ratio',
      help: 'Free share of the filesystem',
      labelNames: ['path'],
      registers,
    });
    this.alerting = new Gauge({
      name: 'ginkgo_disk_low_alert',
      help: '1 while free space is below the threshold',
      labelNames: ['path'],
      registers,
    });
  }

  async sample(): Promise<DiskSample[]> {
    const fsStat = this.opts.statfs ?? ((p: string) => statfs(p));
    const out: DiskSample[] = [];
    for (const path of this.opts.paths) {
      const s = await fsStat(path);
      const freeBytes = s.bavail * s.bsize;
      const totalBytes = s.blocks * s.bsize;
      const freeRatio = totalBytes > 0 ? freeBytes / totalBytes : 0;
      const alert =
        freeRatio < (this.opts.minFreeRatio ?? 0.1) || freeBytes < (this.opts.minFreeBytes ?? 512 * 1024 * 1024);
      this.free.set({ path }, freeBytes);
      this.ratio.set({ path }, freeRatio);
      this.alerting.set({ path }, alert ? 1 : 0);
      if (alert && !this.alerted.has(path)) {
        this.alerted.add(path);
        this.opts.logger.error({ path, freeBytes, freeRatio, alert: 'DiskLow' }, 'disk space low where we write');
      } else if (!alert && this.alerted.delete(path)) {
        this.opts.logger.info({ path, freeBytes, freeRatio }, 'disk space recovered');
      }
      out.push({ path, freeBytes, totalBytes, freeRatio, alert });
    }
    return out;
  }
}
