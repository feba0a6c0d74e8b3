import type { EngineEvent, PortfolioView } from '@ginkgo/core';
import type { InputPosition } from '../worker/input-position.js';
import type { CancelRequestInput } from '../worker/order-interventions.js';
import type { WorkerHandle, WorkerStart } from '../worker/worker-handle.js';
import type { ControlOp, WorkerStats } from './shard-protocol.js';

/** What a RemoteWorker needs of the link to its shard. */
export interface ShardPort {
  enqueue(
    pid: string,
    event: EngineEvent,
    position?: InputPosition,
  ): { admitted: Promise<void>; settled: Promise<void> };
  direct(pid: string, event: EngineEvent, position: InputPosition): Promise<void>;
  control<T>(worker: RemoteWorker, op: ControlOp): Promise<T>;
}

/**
 * A portfolio's worker running on a shard, seen from the node's thread: inputs and control items go to the
 * shard in order; the figures the watchdog and the metrics read are the shard's latest report.
 */
export class RemoteWorker implements WorkerHandle {
  queueDepth = 0;
  stopped = false;
  processed = 0;
  fillsApplied = 0;
  busySince: number | undefined;
  currentEventId: string | undefined;
  private latestView: PortfolioView;
  private dayStart: number;
  /** The watermark last sent to the shard (JSON), so an unchanged one is not sent again. */
  sentWatermark = '';

  constructor(
    readonly options: WorkerStart['options'],
    private readonly port: ShardPort,
    view: PortfolioView,
  ) {
    this.latestView = view;
    this.dayStart = view.equity;
  }

  get portfolioId(): string {
    return this.options.portfolioId;
  }

  get epoch(): number {
    return this.options.epoch;
  }

  view(): PortfolioView {
    return this.latestView;
  }

  dayStartEquity(): number {
    return this.dayStart;
  }

  /** A status report from the shard (after a save): the freshest view. */
  reported(view: PortfolioView): void {
    this.latestView = view;
  }

  updated(s: WorkerStats): void {
    this.queueDepth = s.queueDepth;
    this.stopped = s.stopped;
    this.processed = s.processed;
    this.fillsApplied = s.fills;
    this.busySince = s.busySince;
    this.currentEventId = s.currentEventId;
    this.dayStart = s.dayStartEquity;
  }

  /** Its shard is silent with inputs for it waiting: busy since then, as far as the node can tell. */
  silent(since: number, what: string): void {
    if (this.busySince !== undefined) return;
    this.busySince = since;
    this.currentEventId = what;
  }

  enqueue(event: EngineEvent, position?: InputPosition): { admitted: Promise<void>; settled: Promise<void> } {
    return this.port.enqueue(this.portfolioId, event, position);
  }

  applyDirect(event: EngineEvent, position: InputPosition): Promise<void> {
    return this.port.direct(this.portfolioId, event, position);
  }

  setHalted(halted: boolean): Promise<void> {
    return this.port.control(this, { kind: 'halt', halted });
  }

  setInterest(codes: string[]): Promise<void> {
    return this.port.control(this, { kind: 'interest', codes: [...codes] });
  }

  cancel(requests: CancelRequestInput[]): Promise<string> {
    return this.port.control(this, { kind: 'cancel', requests });
  }

  checkpoint(): Promise<void> {
    return this.port.control(this, { kind: 'checkpoint' });
  }

  async stop(): Promise<void> {
    await this.port.control(this, { kind: 'stop' });
    this.queueDepth = 0;
    this.busySince = undefined;
    this.currentEventId = undefined;
  }
}
