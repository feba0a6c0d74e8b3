import { makeInformer, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import {
  PortfolioSpec,
  conditionType,
  nodeConditionReason,
  deletionHandshake,
  portfolioResource,
  type CancelRequest,
  type PortfolioResource,
} from '@ginkgo/contracts';
import type { KubeClients, Logger } from '@ginkgo/platform';
import type { Assignment } from './assignment.js';
import type { StatusSink } from '../status/status-sink.js';
import type { StatusControl } from '../status/status-control.js';
import { KubeStatusControl } from '../status/kube-status-control.js';
import type { CancelRequestInput } from '../worker/order-interventions.js';

export interface AssignmentTarget {
  assign(a: Assignment): Promise<void>;
  unassign(portfolioId: string, reason: string): Promise<void>;
  portfolioIds(): string[];
  setHalted?(portfolioId: string, halted: boolean): Promise<void>;
  archive?(portfolioId: string): Promise<void>;
  assignmentOf?(portfolioId: string): Assignment | undefined;
  /** Hand-over: stop, drain, persist (state and input positions). */
  release?(portfolioId: string): Promise<number | undefined>;
  /** Manual cancels: what was done, or undefined when the portfolio does not run here. */
  cancelOrders?(portfolioId: string, requests: CancelRequestInput[]): Promise<string | undefined>;
}

/** What this node should do about one Portfolio now. */
export type Decision =
  | {
      kind: 'run';
      assignment: Assignment;
      halted: boolean;
      reportRunning: boolean;
      /** Cancel requests above status.cancelAck.id, in id order. */
      cancels: CancelRequest[];
      /** A hand-over was cancelled after this node released: it runs again, releasedEpoch goes. */
      clearReleased: boolean;
    }
  /** Planned move (status.handoverTo): stop, persist, write releasedEpoch; done once it is written. */
  | { kind: 'release'; run: { epoch: number; generation: number }; done: boolean }
  /** Not ours (any more): stop at once, write nothing. */
  | { kind: 'drop'; reason: string }
  /** Stopped by spec: drain, persist, report Stopped/DesiredStateStopped. */
  | { kind: 'stop'; run: { epoch: number; generation: number }; done: boolean }
  /** Deleted: stop, archive, report Stopped/Deleted (even if never started here). */
  | { kind: 'delete'; run: { epoch: number; generation: number }; done: boolean }
  | { kind: 'invalid'; run: { epoch: number; generation: number }; message: string };

const conditionTrue = (p: PortfolioResource, type: string, reason?: string) =>
  (p.status?.conditions ?? []).some(
    (c) => c.type === type && c.status === 'True' && (reason === undefined || c.reason === reason),
  );

export function decide(p: PortfolioResource, nodeId: string): Decision {
  const st = p.status ?? {};
  if (st.assignedNode !== nodeId || st.epoch === undefined) return { kind: 'drop', reason: 'not assigned here' };
  const generation = p.metadata.generation ?? 0;
  const run = { epoch: st.epoch, generation };
  if (p.metadata.deletionTimestamp) {
    return {
      kind: 'delete',
      run,
      done: conditionTrue(p, deletionHandshake.conditionType, deletionHandshake.reason) && st.runningEpoch === st.epoch,
    };
  }
  if (st.handoverTo !== undefined && st.handoverTo !== nodeId)
    return { kind: 'release', run, done: st.releasedEpoch === st.epoch };
  const spec = PortfolioSpec.safeParse(p.spec);
  if (!spec.success)
    return {
      kind: 'invalid',
      run,
      message: spec.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  if (spec.data.desiredState === 'Stopped' || spec.data.suspend === true) {
    const done =
      st.phase === 'Stopped' &&
      (st.conditions ?? []).some(
        (c) => c.type === conditionType.Stopped && c.status === 'True' && c.observedGeneration === generation,
      );
    return { kind: 'stop', run, done };
  }
  const halted = st.phase === 'Halted' || conditionTrue(p, conditionType.Halted);
  // After a halt is lifted (phase Assigned again) or a stop is undone, the node says Running again.
  const reportRunning = !halted && (st.phase === 'Assigned' || st.phase === 'Stopped' || st.runningEpoch !== st.epoch);
  const ackId = st.cancelAck?.id ?? 0;
  const cancels = (st.cancelRequests ?? []).filter((r) => r.id > ackId).sort((a, b) => a.id - b.id);
  return {
    kind: 'run',
    assignment: {
      portfolioId: p.metadata.name,
      spec: spec.data,
      epoch: st.epoch,
      generation,
      ...(p.metadata.uid ? { incarnation: p.metadata.uid } : {}),
      ...(halted ? { halted: true } : {}),
    },
    halted,
    reportRunning,
    cancels,
    clearReleased: st.releasedEpoch !== undefined && st.releasedEpoch === st.epoch,
  };
}

/** @deprecated kept for callers of the first version: decide() says more. */
export function desiredAssignment(p: PortfolioResource, nodeId: string): Assignment | { stop: string } {
  const d = decide(p, nodeId);
  if (d.kind === 'run' && !d.halted) return d.assignment;
  return { stop: d.kind === 'run' ? 'halted' : d.kind === 'drop' ? d.reason : d.kind };
}

/**
 * Follows the Portfolios assigned to this node (status.assignedNode) through an informer,
 * which re-lists and re-watches on its own after errors. Changes are applied one at a time.
 */
export class AssignmentWatcher {
  private informer?: ReturnType<typeof makeInformer<KubernetesObject>>;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private relistTimer?: NodeJS.Timeout;
  /** The newest decision per portfolio: an older one still queued is skipped. */
  private readonly latest = new Map<string, Decision>();
  private readonly control: StatusControl;
  /** Highest cancel request handled per portfolio (never sent twice by this node) and whether its ack landed. */
  private readonly cancelsHandled = new Map<string, CancelAckDraft>();

  constructor(
    private readonly opts: {
      clients: KubeClients;
      namespace: string;
      nodeId: string;
      target: AssignmentTarget;
      logger: Logger;
      /** Where Stopped/Deleted/Degraded are reported (the node's status sink). */
      status?: StatusSink;
      /** Where releasedEpoch and cancelAck are written; default: straight to the Portfolio status. */
      control?: StatusControl;
      /** Decide again from a fresh list this often (see ASSIGNMENT_RELIST_SECONDS); 0 or unset: never. */
      relistMs?: number;
    },
  ) {
    this.control = opts.control ?? new KubeStatusControl(opts);
  }

  private list(): Promise<KubernetesListObject<KubernetesObject>> {
    const { clients, namespace } = this.opts;
    const { group, version, plural } = portfolioResource;
    return clients.custom.listNamespacedCustomObject({ group, version, namespace, plural }) as Promise<
      KubernetesListObject<KubernetesObject>
    >;
  }

  async start(): Promise<void> {
    const { group, version, plural } = portfolioResource;
    const path = `/apis/${group}/${version}/namespaces/${this.opts.namespace}/${plural}`;
    const informer = makeInformer<KubernetesObject>(this.opts.clients.config, path, () => this.list());
    this.informer = informer;
    const onChange = (obj: KubernetesObject) => this.enqueue(obj as unknown as PortfolioResource);
    informer.on('add', onChange);
    informer.on('update', onChange);
    informer.on('delete', (obj) => {
      const name = obj.metadata?.name;
      if (name) this.apply(name, { kind: 'drop', reason: 'object gone' });
    });
    informer.on('error', (err) => {
      this.opts.logger.warn({ err }, 'portfolio watch failed; restarting');
      if (!this.stopped) setTimeout(() => void informer.start().catch(() => undefined), 1000);
    });
    await informer.start();
    if (this.opts.relistMs) {
      this.relistTimer = setInterval(() => void this.resync(), this.opts.relistMs);
      this.relistTimer.unref();
    }
  }

  private enqueue(p: PortfolioResource): void {
    this.apply(p.metadata.name, decide(p, this.opts.nodeId));
  }

  private apply(name: string, want: Decision, attempt = 0): void {
    this.latest.set(name, want);
    this.chain = this.chain.then(async () => {
      if (this.stopped || this.latest.get(name) !== want) return;
      const { target, status, logger } = this.opts;
      const running = target.portfolioIds().includes(name);
      try {
        switch (want.kind) {
          case 'drop':
            if (running) await target.unassign(name, want.reason);
            break;
          case 'stop':
            if (running) await target.unassign(name, 'desired state Stopped');
            if (!want.done) await status?.phase?.(name, want.run, 'Stopped', nodeConditionReason.DesiredStateStopped);
            break;
          case 'delete':
            if (want.done) break;
            if (target.archive) await target.archive(name);
            else if (running) await target.unassign(name, 'deleted');
            await status?.phase?.(
              name,
              want.run,
              'Stopped',
              nodeConditionReason.Deleted,
              'portfolio stopped and its state archived',
            );
            break;
          case 'invalid':
            if (running) await target.unassign(name, 'invalid spec');
            await status?.phase?.(name, want.run, 'Degraded', nodeConditionReason.InvalidSpec, want.message);
            break;
          case 'release':
            // Stop and persist first: only then may the next node load the state.
            if (running) await (target.release ? target.release(name) : target.unassign(name, 'handed over'));
            if (!want.done && (await this.control.released(name, want.run.epoch, want.run.epoch))) {
              logger.info({ portfolioId: name, epoch: want.run.epoch }, 'portfolio released for the hand-over');
            }
            break;
          case 'run':
            await target.assign(want.assignment);
            if (target.portfolioIds().includes(name)) {
              if (want.clearReleased) await this.control.released(name, want.assignment.epoch, undefined);
              await target.setHalted?.(name, want.halted);
              if (want.reportRunning)
                await status?.phase?.(name, want.assignment, 'Running', nodeConditionReason.Running);
              await this.handleCancels(name, want.assignment.epoch, want.cancels);
            }
            break;
        }
      } catch (err) {
        // E.g. the catch-up could not read Kafka: try the same decision again unless a newer one came.
        const retryMs = Math.min(1000 * 2 ** attempt, 30000);
        logger.error({ portfolioId: name, err, retryMs }, 'applying assignment failed');
        const timer = setTimeout(() => {
          if (!this.stopped && this.latest.get(name) === want) this.apply(name, want, attempt + 1);
        }, retryMs);
        timer.unref();
      }
    });
  }

  /**
   * Manual cancels: requests above the acknowledged id go to the portfolio (CancelOrder with its epoch), then
   * status.cancelAck says up to which id. A request handled here whose ack did not land is acknowledged
   * again, never sent twice by this node.
   */
  private async handleCancels(name: string, epoch: number, pending: CancelRequest[]): Promise<void> {
    const { target, logger } = this.opts;
    if (!pending.length || !target.cancelOrders) return;
    let handled = this.cancelsHandled.get(name);
    const todo = pending.filter((r) => r.id > (handled?.id ?? 0));
    if (todo.length) {
      const message = await target.cancelOrders(
        name,
        todo.map((r) => ({
          clientOrderId: r.clientOrderId,
          all: r.all,
          force: r.force,
          reason: r.reason ?? `manual cancel request ${r.id}`,
        })),
      );
      if (message === undefined) return;
      handled = { id: todo[todo.length - 1]!.id, message, acked: false };
      this.cancelsHandled.set(name, handled);
      logger.info({ portfolioId: name, upTo: handled.id, message }, 'cancel requests handled');
    }
    // A stale view (the ack not in it yet) must not send anything again, nor ack twice.
    if (!handled || handled.acked) return;
    const ack = { id: handled.id, at: new Date().toISOString(), message: handled.message };
    if (await this.control.acknowledgeCancels(name, epoch, ack)) handled.acked = true;
  }

  /**
   * Decides again for every Portfolio, from a fresh list. After the node lease is regained: the portfolios
   * stopped when it was lost and still assigned here (the operator did not move them, e.g. it could not reach
   * the API server either) start again; no change of theirs would tell the watch to. Also on a timer: an
   * update the watch missed (an API server outage can end a watch without an error) is applied then.
   */
  async resync(): Promise<void> {
    // A fresh list, not the watch's cache: the cache may predate a move made while this node was cut off.
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        for (const p of (await this.list()).items) this.enqueue(p as unknown as PortfolioResource);
        return;
      } catch (err) {
        this.opts.logger.warn({ err }, 'listing portfolios after the lease came back failed; trying again');
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 10000)));
      }
    }
  }

  /** Resolves once every change seen so far has been applied (after start: the initial list). */
  async idle(): Promise<void> {
    for (;;) {
      const current = this.chain;
      await current;
      if (current === this.chain) return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.relistTimer);
    await this.informer?.stop();
    await this.chain;
  }
}

interface CancelAckDraft {
  id: number;
  message: string;
  acked: boolean;
}
