import os from 'node:os';
import { Registry } from 'prom-client';
import { DiskSpaceMonitor, createLogger } from '../src/index.js';

test('S7.03 disk space where we write is exported and alerts when low, recovering when freed', async () => {
  let bavail = 50_000; // 4 KiB blocks: 200 MB free of 4 GB
  const registry = new Registry();
  const logged: string[] = [];
  const logger = createLogger('disk-test');
  logger.error = ((_o: unknown, msg?: string) => void logged.push(`error:${msg}`)) as typeof logger.error;
  logger.info = ((_o: unknown, msg?: string) => void logged.push(`info:${msg}`)) as typeof logger.info;
  const monitor = new DiskSpaceMonitor({
    paths: ['/var/lib/ginkgo-live/spool'],
    registry,
    logger,
    minFreeRatio: 0.1,
    minFreeBytes: 256 * 1024 * 1024,
    statfs: async () => ({ bavail, blocks: 1_000_000, bsize: 4096 }),
  });
  const [low] = await monitor.sample();
  expect(low).toMatchObject({ freeBytes: 50_000 * 4096, alert: true });
  expect(await registry.metrics()).toMatch(/ginkgo_disk_low_alert\{path="\/var\/lib\/ginkgo-live\/spool"\} 1/);
  await monitor.sample(); // alert logged once, not on every sample
  bavail = 500_000;
  const [ok] = await monitor.sample();
  expect(ok?.alert).toBe(false);
  expect(logged).toEqual(['error:disk space low where we write', 'info:disk space recovered']);
});

test('the real filesystem is measured with statfs', async () => {
  const monitor = new DiskSpaceMonitor({
    paths: [os.tmpdir()],
    registry: new Registry(),
    logger: createLogger('disk-test'),
    minFreeBytes: 1,
    minFreeRatio: 0,
  });
  const [s] = await monitor.sample();
  expect(s!.totalBytes).toBeGreaterThan(0);
  expect(s!.freeBytes).toBeGreaterThan(0);
  expect(s!.freeRatio).toBeLessThanOrEqual(1);
});
