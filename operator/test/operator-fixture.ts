import type { PortfolioResource, PortfolioSpecInput } from '@ginkgo/contracts';
import type { KubeClients } from '@ginkgo/platform';
import type { OperatorConfig, OperatorHandle } from '../src/index.js';
import {
  FakeNode,
  createPortfolio,
  getPortfolio,
  kubeClients,
  patchPortfolio,
  setupNamespace,
  startTestOperator,
  teardownNamespace,
  waitFor,
} from './kube-helpers.js';

export interface OperatorFixtureOptions {
  /** Settings of the operator started before the tests (which then waits to lead); false: the tests start their own. */
  operator?: Partial<OperatorConfig> | false;
  /** Runs once the namespace exists, before the operator starts (nodes that must be there first). */
  before?: (fx: OperatorFixture) => Promise<unknown>;
}

/**
 * What an operator integration test file shares: kube clients, a namespace of its own with the Portfolio CRD
 * installed, the operator, and the fake nodes and operators its tests start (all stopped after the file).
 */
export class OperatorFixture {
  readonly operators: OperatorHandle[] = [];
  readonly nodes: FakeNode[] = [];
  private kube?: KubeClients;
  private namespace?: string;
  private main?: OperatorHandle;

  get clients(): KubeClients {
    if (!this.kube) throw new Error('the fixture is not set up yet (use it inside tests)');
    return this.kube;
  }

  get ns(): string {
    if (!this.namespace) throw new Error('the fixture is not set up yet (use it inside tests)');
    return this.namespace;
  }

  /** The operator started for the file. */
  get op(): OperatorHandle {
    if (!this.main) throw new Error('this fixture started no operator');
    return this.main;
  }

  /** Starts a fake execution node holding its Lease for `seconds`, with these Lease annotations. */
  async node(id: string, seconds: number, annotations: Record<string, string> = {}): Promise<FakeNode> {
    const n = await new FakeNode(this.clients, this.ns, id, seconds).start(annotations);
    this.nodes.push(n);
    return n;
  }

  async startOperator(overrides: Partial<OperatorConfig> = {}): Promise<OperatorHandle> {
    const op = await startTestOperator(this.ns, overrides);
    this.operators.push(op);
    return op;
  }

  createPortfolio(
    name: string,
    spec: Partial<PortfolioSpecInput> & Record<string, unknown> = {},
  ): Promise<PortfolioResource> {
    return createPortfolio(this.clients, this.ns, name, spec);
  }

  getPortfolio(name: string): Promise<PortfolioResource | undefined> {
    return getPortfolio(this.clients, this.ns, name);
  }

  patchPortfolio(name: string, body: object, status = false): Promise<PortfolioResource> {
    return patchPortfolio(this.clients, this.ns, name, body, status);
  }

  async setUp(prefix: string, opts: OperatorFixtureOptions): Promise<void> {
    this.kube = kubeClients();
    this.namespace = await setupNamespace(this.kube, prefix);
    await opts.before?.(this);
    if (opts.operator === false) return;
    const op = await this.startOperator(opts.operator ?? {});
    this.main = op;
    await waitFor('leadership', () => op.isLeader());
  }

  async tearDown(): Promise<void> {
    await Promise.all(this.operators.map((o) => o.stop()));
    await Promise.all(this.nodes.map((n) => n.stop()));
    if (this.kube && this.namespace) await teardownNamespace(this.kube, this.namespace);
  }
}

/** Registers the fixture's beforeAll and afterAll in the calling describe block. */
export function useOperatorFixture(prefix: string, opts: OperatorFixtureOptions = {}): OperatorFixture {
  const fx = new OperatorFixture();
  beforeAll(() => fx.setUp(prefix, opts));
  afterAll(() => fx.tearDown());
  return fx;
}
