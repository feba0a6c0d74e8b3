import { makeInformer, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { PortfolioSpec, portfolioResource, type PortfolioResource } from '@ginkgo/contracts';
import type { KubeClients, Logger } from '@ginkgo/platform';
import type { Assignment } from './execution-node.js';

export interface AssignmentTarget {
  assign(a: Assignment): Promise<void>;
  unassign(portfolioId: string, reason: string): Promise<void>;
  portfolioIds(): string[];
}

/** Why this node should (not) run a Portfolio right now. */
export function desiredAssignment(p: PortfolioResource, nodeId: string): Assignment | { stop: string } {
  const st = p.status ?? {};
  if (st.assignedNode !== nodeId || st.epoch === undefined) return { stop: 'not assigned here' };
  if (p.metadata.deletionTimestamp) return { stop: 'deleted' };
  if (st.phase === 'Halted') return { stop: 'halted' };
  const spec = PortfolioSpec.safeParse(p.spec);
  if (!spec.success) return { stop: 'invalid spec' };
  if (spec.data.desiredState === 'Stopped') return { stop: 'desired state Stopped' };
  return { portfolioId: p.metadata.name, spec: spec.data, epoch: st.epoch, generation: p.metadata.generation ?? 0 };
}

/**
 * Follows the Portfolios assigned to this node (status.assignedNode) through an informer,
 * which re-lists and re-watches on its own after errors. Changes are applied one at a time.
 */
export class AssignmentWatcher {
  private informer?: ReturnType<typeof makeInformer<KubernetesObject>>;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly opts: {
      clients: KubeClients;
      namespace: string;
      nodeId: string;
      target: AssignmentTarget;
      logger: Logger;
      /** Called after a portfolio stopped here for a reason the operator must see (Stopped/deleted). */
      onStopped?: (portfolioId: string, reason: string) => Promise<void>;
    },
  ) {}

  async start(): Promise<void> {
    const { clients, namespace } = this.opts;
    const { group, version, plural } = portfolioResource;
    const path = `/apis/${group}/${version}/namespaces/${namespace}/${plural}`;
    const list = () =>
      clients.custom.listNamespacedCustomObject({ group, version, namespace, plural }) as Promise<
        KubernetesListObject<KubernetesObject>
      >;
    const informer = makeInformer<KubernetesObject>(clients.config, path, list);
    this.informer = informer;
    const onChange = (obj: KubernetesObject) => this.enqueue(obj as unknown as PortfolioResource);
    informer.on('add', onChange);
    informer.on('update', onChange);
    informer.on('delete', (obj) => {
      const name = obj.metadata?.name;
      if (name) this.apply(name, { stop: 'deleted' });
    });
    informer.on('error', (err) => {
      this.opts.logger.warn({ err: String(err) }, 'portfolio watch failed; restarting');
      if (!this.stopped) setTimeout(() => void informer.start().catch(() => undefined), 1000);
    });
    await informer.start();
  }

  private enqueue(p: PortfolioResource): void {
    this.apply(p.metadata.name, desiredAssignment(p, this.opts.nodeId));
  }

  private apply(name: string, want: Assignment | { stop: string }): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        if ('stop' in want) {
          if (this.opts.target.portfolioIds().includes(name)) {
            await this.opts.target.unassign(name, want.stop);
            await this.opts.onStopped?.(name, want.stop);
          }
        } else {
          await this.opts.target.assign(want);
        }
      } catch (err) {
        this.opts.logger.error({ portfolioId: name, err: String(err) }, 'applying assignment failed');
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
    await this.chain;
  }
}
