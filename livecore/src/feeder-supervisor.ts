import { readFile } from 'node:fs/promises';
import { parseOrThrow } from '@ginkgo/contracts';
import type { Logger } from '@ginkgo/platform';
import { z } from 'zod';
import type { DataFeeder } from './data-feeder.js';
import { FailoverSource, type FailoverAlert } from './failover-source.js';
import { HttpQuoteSource } from './http-quote-source.js';
import { TapeSource, type MarketDataSource } from './market-data-source.js';
import { SyntheticSource } from './synthetic-source.js';

export const SourceConfig = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('http'),
    name: z.string().min(1),
    url: z.url(),
    codes: z.array(z.string()).min(1),
    intervalMs: z.number().int().positive().default(1000),
  }),
  z.object({
    kind: z.literal('tape'),
    name: z.string().min(1),
    path: z.string().min(1),
    speed: z.number().nonnegative().default(0),
  }),
  z.object({
    kind: z.literal('synthetic'),
    name: z.string().min(1),
    codes: z.array(z.string()).min(1),
    count: z.number().int().positive(),
    ratePerSecond: z.number().positive().optional(),
  }),
]);
export type SourceConfig = z.infer<typeof SourceConfig>;

/** The file behind FEEDER_SOURCES_FILE: primary first, then backups. */
export const FeederSourcesFile = z.object({
  sources: z.array(SourceConfig).min(1, 'needs at least one source'),
  /** A live source silent this long is considered down. */
  silenceMs: z.number().int().positive().optional(),
});
export type FeederSourcesFile = z.infer<typeof FeederSourcesFile>;

/** `report`: malformed tape rows and quote lines are reported here and skipped. */
export async function buildSource(
  c: SourceConfig,
  market: string,
  report?: (problem: string) => void,
): Promise<MarketDataSource> {
  switch (c.kind) {
    case 'http':
      return new HttpQuoteSource({
        name: c.name,
        baseUrl: c.url,
        codes: c.codes,
        market,
        intervalMs: c.intervalMs,
        ...(report ? { onBadAnswer: report } : {}),
      });
    case 'tape':
      return TapeSource.fromFile(c.path, { speed: c.speed }, market, report);
    case 'synthetic':
      return new SyntheticSource({
        name: c.name,
        codes: c.codes,
        count: c.count,
        market,
        ...(c.ratePerSecond ? { ratePerSecond: c.ratePerSecond } : {}),
      });
  }
}

/**
 * Runs the feeder over the sources listed in a JSON file and hot-reloads it: the file is
 * re-read when it changes; a valid new list replaces the running sources without a restart, an
 * invalid one is refused with a logged error and the running sources carry on.
 */
export class FeederSupervisor {
  private current?: { source: FailoverSource; run: Promise<void>; config: FeederSourcesFile; text: string };
  private timer?: NodeJS.Timeout;
  private reloading: Promise<void> = Promise.resolve();
  readonly alerts: FailoverAlert[] = [];
  reloads = 0;
  lastError: string | undefined;

  constructor(
    private readonly opts: {
      feeder: DataFeeder;
      path: string;
      market: string;
      logger: Logger;
      pollMs?: number;
      onAlert?: (a: FailoverAlert) => void;
    },
  ) {}

  /** Names of the sources in use, primary first. */
  sources(): string[] {
    return this.current?.config.sources.map((s) => s.name) ?? [];
  }

  activeSource(): string | undefined {
    return this.current?.source.activeSource;
  }

  async start(): Promise<void> {
    await this.reload(true);
    this.timer = setInterval(() => void this.reload(false), this.opts.pollMs ?? 500);
    this.timer.unref();
  }

  /** Re-reads the file; applies it when it changed and is valid. On start an invalid file is an error. */
  reload(initial = false): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      const { logger, path, market } = this.opts;
      let text: string;
      let config: FeederSourcesFile;
      try {
        text = await readFile(path, 'utf8');
        if (text === this.current?.text) return;
        config = parseOrThrow(FeederSourcesFile, JSON.parse(text), `feeder sources file ${path}`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (message === this.lastError) return;
        this.lastError = message;
        if (initial) throw err;
        logger.error({ path, error: message }, 'feeder sources file refused: keeping the running sources');
        return;
      }
      this.lastError = undefined;
      const sources = await Promise.all(
        config.sources.map((c) =>
          buildSource(c, market, (problem) =>
            logger.warn({ source: c.name, problem }, 'malformed market data skipped'),
          ),
        ),
      );
      await this.stopCurrent();
      const source = new FailoverSource(sources, {
        ...(config.silenceMs ? { silenceMs: config.silenceMs } : {}),
        onAlert: (a) => {
          this.alerts.push(a);
          logger.error({ alert: a }, 'ALERT market data source failed over');
          this.opts.onAlert?.(a);
        },
      });
      const run = this.opts.feeder.run(source, 100).then(
        () => logger.info({ sources: config.sources.map((s) => s.name) }, 'feeder sources ended'),
        (err: unknown) => logger.error({ err }, 'ALERT feeder has no working market data source'),
      );
      this.current = { source, run, config, text };
      if (!initial) this.reloads++;
      logger.info({ sources: config.sources.map((s) => s.name), reload: !initial }, 'feeder sources applied');
    });
    return this.reloading;
  }

  private async stopCurrent(): Promise<void> {
    if (!this.current) return;
    await this.current.source.close();
    await this.current.run;
    this.current = undefined;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.reloading;
    await this.stopCurrent();
  }
}
