import { KubernetesObjectApi } from '@kubernetes/client-node';
import type { KubeClients } from '@ginkgo/platform';
import {
  apiMessage,
  dryRunCreate,
  installChartCrds,
  purgeNamespace,
  renderChart,
  run,
  uniqueSuffix,
  type Manifest,
} from './support/chart.js';
import { testKube } from './support/kube.js';

/**
 * Least privilege, checked by the real kube-apiserver (RBAC authorizer and PodSecurity admission), not by
 * reading the templates: the chart's ServiceAccounts, Roles, ClusterRoles and bindings are created in a fresh
 * namespace and every question is asked with `kubectl auth can-i --as=system:serviceaccount:NS:SA`.
 */
const kubectlBin = () => {
  const k = process.env.KUBECTL;
  if (!k) throw new Error('KUBECTL is not set: run `make testbed-up`');
  return k;
};
const CONTROL = 'ginkgo-live-trading-control';
const CONNECTIONS = 'ginkgo-live-connections';
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

let clients: KubeClients;
let ns: string;
let other: string;
let release: string;
let created: Manifest[] = [];

const sa = (component: string) => `system:serviceaccount:${ns}:${release}-ginkgo-live-${component}`;

/** One `kubectl auth can-i` question: `verb resource[/name]` plus flags, answered yes/no by the server. */
async function canI(as: string, verb: string, resource: string, extra: string[] = []): Promise<boolean> {
  const args = ['auth', 'can-i', verb, resource, '--as', as, ...extra];
  if (!extra.includes('--all-namespaces') && !extra.some((a) => a.startsWith('-n'))) args.push('-n', ns);
  const r = await run(kubectlBin(), args);
  const answer = r.stdout.trim();
  if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return answer === 'yes';
}

type Question = [verb: string, resource: string, ...extra: string[]];
/** Asks every question (a few at a time, the machine is shared) and returns those answered differently. */
async function wrongAnswers(as: string, questions: Question[], expected: boolean): Promise<string[]> {
  const wrong: string[] = [];
  for (let i = 0; i < questions.length; i += 4) {
    await Promise.all(
      questions.slice(i, i + 4).map(async ([verb, resource, ...extra]) => {
        if ((await canI(as, verb, resource, extra)) !== expected)
          wrong.push(`${expected ? 'cannot' : 'CAN'} ${verb} ${resource} ${extra.join(' ')}`.trim());
      }),
    );
  }
  return wrong.sort();
}

/** `kubectl auth can-i --list` rows (resource, names, verbs) in a namespace, minus what any authenticated account gets. */
async function grantedRows(as: string, namespace: string): Promise<string[]> {
  const list = async (who: string) => {
    const r = await run(kubectlBin(), ['auth', 'can-i', '--list', '-n', namespace, '--as', who]);
    if (r.code !== 0) throw new Error(`can-i --list: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .slice(1)
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter(Boolean);
  };
  const baseline = new Set(await list(`system:serviceaccount:${ns}:nobody`));
  return (await list(as)).filter((row) => !baseline.has(row)).sort();
}

/** Forbidden for everyone: Secrets, exec, other namespaces, cluster-wide writes, privilege escalation. */
const forbiddenEverywhere: Question[] = [
  ['get', 'secrets'],
  ['list', 'secrets'],
  ['watch', 'secrets'],
  ['get', `secrets/${CONNECTIONS}`],
  ['create', 'secrets'],
  ['create', 'pods', '--subresource=exec'],
  ['create', 'pods', '--subresource=attach'],
  ['create', 'pods', '--subresource=portforward'],
  ['create', 'pods'],
  ['delete', 'pods'],
  ['create', 'deployments.apps'],
  ['patch', 'statefulsets.apps'],
  ['create', 'serviceaccounts', '--subresource=token'],
  ['create', 'roles.rbac.authorization.k8s.io'],
  ['create', 'rolebindings.rbac.authorization.k8s.io'],
  ['escalate', 'roles.rbac.authorization.k8s.io'],
  ['bind', 'clusterroles.rbac.authorization.k8s.io'],
  ['impersonate', 'users'],
  ['impersonate', 'serviceaccounts'],
  ['get', 'configmaps'],
  ['list', 'configmaps'],
  ['get', 'configmaps/some-other-config'],
  ['create', 'configmaps'],
  ['update', `configmaps/${CONTROL}`],
  ['create', 'portfolios.ginkgo.live'],
  ['delete', 'portfolios.ginkgo.live'],
  ['deletecollection', 'leases.coordination.k8s.io'],
  ['delete', 'leases.coordination.k8s.io'],
  // Cluster-wide writes.
  ['create', 'namespaces'],
  ['delete', 'namespaces'],
  ['patch', 'nodes'],
  ['create', 'clusterroles.rbac.authorization.k8s.io'],
  ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
  ['delete', 'customresourcedefinitions.apiextensions.k8s.io'],
  ['update', 'customresourcedefinitions.apiextensions.k8s.io/other.example.com'],
  ['create', 'validatingwebhookconfigurations.admissionregistration.k8s.io'],
  ['get', 'secrets', '--all-namespaces'],
  ['list', 'portfolios.ginkgo.live', '--all-namespaces'],
];
/** Writes and reads in a namespace the release does not own. */
const inOther = (): Question[] => [
  ['get', 'portfolios.ginkgo.live', '-n', other],
  ['patch', 'portfolios.ginkgo.live', '-n', other],
  ['patch', 'portfolios.ginkgo.live', '--subresource=status', '-n', other],
  ['create', 'leases.coordination.k8s.io', '-n', other],
  ['update', 'leases.coordination.k8s.io', '-n', other],
  ['create', 'events', '-n', other],
  ['get', `configmaps/${CONTROL}`, '-n', other],
  ['get', 'secrets', '-n', other],
];

beforeAll(async () => {
  clients = testKube();
  await installChartCrds(clients);
  const suffix = uniqueSuffix();
  ns = `lp-${suffix}`;
  other = `lp-other-${suffix}`;
  release = `lp${suffix}`;
  for (const name of [ns, other]) await clients.core.createNamespace({ body: { metadata: { name } } });
  await clients.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });
  // The widest render: every component on, the operator installing its CRD (the only ClusterRole).
  const manifests = await renderChart({
    release,
    namespace: ns,
    set: ['operator.installCrds=true', 'livecore.enabled=true', 'backup.enabled=true'],
  });
  const api = KubernetesObjectApi.makeApiClient(clients.config);
  for (const m of manifests.filter((x) => RBAC_KINDS.has(x.kind))) {
    const namespaced = !m.kind.startsWith('Cluster');
    await api.create({
      ...m,
      metadata: { ...m.metadata, ...(namespaced ? { namespace: m.metadata.namespace ?? ns } : {}) },
    });
    created.push(m);
  }
}, 120_000);

afterAll(async () => {
  const api = KubernetesObjectApi.makeApiClient(clients.config);
  for (const m of created.filter((x) => x.kind.startsWith('Cluster'))) await api.delete(m).catch(() => undefined);
  created = [];
  for (const name of [ns, other]) if (name) await purgeNamespace(clients, name);
}, 60_000);

describe('RBAC matrix of the chart, answered by the real kube-apiserver', () => {
  test('S8.08 the chart creates one ServiceAccount per component; only the operator holds a ClusterRole (CRD install)', () => {
    const names = (kind: string) =>
      created
        .filter((m) => m.kind === kind)
        .map((m) => m.metadata.name)
        .sort();
    const c = (x: string) => `${release}-ginkgo-live-${x}`;
    expect(names('ServiceAccount')).toEqual(
      [c('backup'), c('livecore'), c('node-runtime'), c('operator'), c('release-finalizers')].sort(),
    );
    expect(names('ClusterRole')).toEqual([c('crd-installer')]);
    expect(names('Role')).toEqual([c('node-runtime'), c('operator'), c('release-finalizers')].sort());
  });

  test('the operator can do exactly its job: Portfolios and status, Leases, the emergency-stop ConfigMap, Events, its CRD', async () => {
    const op = sa('operator');
    const must: Question[] = [
      ...['get', 'list', 'watch', 'patch', 'update'].map((v): Question => [v, 'portfolios.ginkgo.live']),
      ...['get', 'patch', 'update'].map((v): Question => [v, 'portfolios.ginkgo.live', '--subresource=status']),
      ['update', 'portfolios.ginkgo.live', '--subresource=finalizers'],
      ...['get', 'list', 'watch', 'create', 'update', 'patch'].map((v): Question => [v, 'leases.coordination.k8s.io']),
      ...['get', 'list', 'watch'].map((v): Question => [v, `configmaps/${CONTROL}`]),
      ['create', 'events'],
      ['create', 'events.events.k8s.io'],
      ['create', 'customresourcedefinitions.apiextensions.k8s.io'],
      ['update', 'customresourcedefinitions.apiextensions.k8s.io/portfolios.ginkgo.live'],
    ];
    expect(await wrongAnswers(op, must, true)).toEqual([]);
    expect(await wrongAnswers(op, [...forbiddenEverywhere, ...inOther()], false)).toEqual([]);
  });

  test('a node can read Portfolios, write their status and hold its Lease, nothing more', async () => {
    const node = sa('node-runtime');
    const must: Question[] = [
      ...['get', 'list', 'watch'].map((v): Question => [v, 'portfolios.ginkgo.live']),
      ...['get', 'patch', 'update'].map((v): Question => [v, 'portfolios.ginkgo.live', '--subresource=status']),
      ...['get', 'list', 'watch', 'create', 'update', 'patch'].map((v): Question => [v, 'leases.coordination.k8s.io']),
    ];
    const mustNot: Question[] = [
      ['patch', 'portfolios.ginkgo.live'],
      ['update', 'portfolios.ginkgo.live'],
      ['update', 'portfolios.ginkgo.live', '--subresource=finalizers'],
      ['get', `configmaps/${CONTROL}`],
      ['create', 'customresourcedefinitions.apiextensions.k8s.io'],
      ['update', 'customresourcedefinitions.apiextensions.k8s.io/portfolios.ginkgo.live'],
    ];
    expect(await wrongAnswers(node, must, true)).toEqual([]);
    expect(await wrongAnswers(node, [...mustNot, ...forbiddenEverywhere, ...inOther()], false)).toEqual([]);
  });

  test('livecore and the backup job get no API rights at all (their tokens are not even mounted)', async () => {
    for (const c of ['livecore', 'backup']) {
      expect({ c, granted: await grantedRows(sa(c), ns) }).toEqual({ c, granted: [] });
      // No rows beyond the baseline is the whole proof; a few direct questions show the list is read right.
      expect(
        await wrongAnswers(
          sa(c),
          [
            ['get', 'portfolios.ginkgo.live'],
            ['get', `secrets/${CONNECTIONS}`],
            ['create', 'pods', '--subresource=exec'],
          ],
          false,
        ),
      ).toEqual([]);
    }
    const sas = created.filter((m) => m.kind === 'ServiceAccount');
    const mounts = Object.fromEntries(
      sas.map((m) => [m.metadata.name.replace(`${release}-ginkgo-live-`, ''), m.automountServiceAccountToken]),
    );
    expect(mounts).toEqual({
      operator: true,
      'node-runtime': true,
      livecore: false,
      backup: false,
      'release-finalizers': undefined,
    });
  });

  test('the full grant list of each ServiceAccount is pinned: a change that widens a role fails here', async () => {
    // `kubectl auth can-i --list` rows (Resources, Non-Resource URLs, Resource Names, Verbs) beyond the baseline.
    expect(await grantedRows(sa('operator'), ns)).toEqual(
      [
        `configmaps [] [${CONTROL}] [get list watch]`,
        'customresourcedefinitions.apiextensions.k8s.io [] [] [create list watch]',
        'customresourcedefinitions.apiextensions.k8s.io [] [portfolios.ginkgo.live] [get update patch]',
        'events [] [] [create patch]',
        'events.events.k8s.io [] [] [create patch]',
        'leases.coordination.k8s.io [] [] [get list watch create update patch]',
        'portfolios.ginkgo.live [] [] [get list watch patch update]',
        'portfolios.ginkgo.live/finalizers [] [] [get patch update]',
        'portfolios.ginkgo.live/status [] [] [get patch update]',
      ].sort(),
    );
    expect(await grantedRows(sa('node-runtime'), ns)).toEqual(
      [
        'events [] [] [create patch]',
        'events.events.k8s.io [] [] [create patch]',
        'leases.coordination.k8s.io [] [] [get list watch create update patch]',
        'portfolios.ginkgo.live [] [] [get list watch]',
        'portfolios.ginkgo.live/status [] [] [get patch update]',
      ].sort(),
    );
    // The uninstall hook only lists Portfolios and patches their finalizers away.
    expect(await grantedRows(sa('release-finalizers'), ns)).toEqual(['portfolios.ginkgo.live [] [] [list patch]']);
    expect(
      await wrongAnswers(
        sa('release-finalizers'),
        [
          ['list', 'portfolios.ginkgo.live'],
          ['patch', 'portfolios.ginkgo.live'],
        ],
        true,
      ),
    ).toEqual([]);
    expect(
      await wrongAnswers(
        sa('release-finalizers'),
        [
          ['delete', 'portfolios.ginkgo.live'],
          ['get', `secrets/${CONNECTIONS}`],
          ['patch', 'portfolios.ginkgo.live', '-n', other],
        ],
        false,
      ),
    ).toEqual([]);
    // In another namespace only the cluster-scoped CRD grant remains (the operator's), nothing namespaced.
    expect(await grantedRows(sa('node-runtime'), other)).toEqual([]);
    expect(
      (await grantedRows(sa('operator'), other)).every((row) => row.startsWith('customresourcedefinitions.')),
    ).toBe(true);
  });

  test('the operator informer call itself (list with fieldSelector metadata.name) is authorized by the resourceNames rule', async () => {
    await clients.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: CONTROL }, data: { halted: 'false' } },
    });
    await clients.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'some-other-config' }, data: { secret: 'x' } },
    });
    const as = ['--as', sa('operator'), '-n', ns];
    const named = await run(kubectlBin(), [
      'get',
      'configmaps',
      '--field-selector',
      `metadata.name=${CONTROL}`,
      '-o',
      'name',
      ...as,
    ]);
    expect({ code: named.code, out: named.stdout.trim(), err: named.stderr }).toEqual({
      code: 0,
      out: `configmap/${CONTROL}`,
      err: '',
    });
    const all = await run(kubectlBin(), ['get', 'configmaps', '-o', 'name', ...as]);
    expect(all.code).not.toBe(0);
    expect(all.stderr).toContain('forbidden');
    const otherOne = await run(kubectlBin(), ['get', 'configmap', 'some-other-config', ...as]);
    expect(otherOne.stderr).toContain('forbidden');
  });
});

describe('Pod security: the chart runs in a namespace enforcing the restricted profile', () => {
  type PodSpec = {
    securityContext?: Record<string, unknown>;
    containers: Array<{ name: string; securityContext?: Record<string, unknown> }>;
    initContainers?: PodSpec['containers'];
  };
  type Template = { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
  const podTemplateOf = (m: Manifest): Template | undefined => {
    const spec = m.spec as { template?: Template; jobTemplate?: { spec: { template: Template } } } | undefined;
    return spec?.template ?? spec?.jobTemplate?.spec.template;
  };

  test('PodSecurity admission (enforce=restricted) accepts a Pod of every workload; a non-compliant Pod is refused', async () => {
    const restricted = `lp-restricted-${uniqueSuffix()}`;
    await clients.core.createNamespace({
      body: {
        metadata: {
          name: restricted,
          labels: {
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      },
    });
    try {
      const everything = [
        'livecore.enabled=true',
        'backup.enabled=true',
        'markets={cn,hk}',
        'nodeRuntime.autoscaling.enabled=true',
      ];
      const manifests = await renderChart({ release: 'gl', namespace: restricted, set: everything });
      const workloads = manifests.filter((m) => podTemplateOf(m) !== undefined);
      expect(workloads.map((m) => m.kind).sort()).toEqual([
        'CronJob',
        'Deployment',
        'Deployment',
        'Deployment',
        'Job',
        'StatefulSet',
      ]); // Job: the uninstall hook
      // With ServiceAccount admission on (the test bed's node), a Pod's ServiceAccount must exist: create the chart's.
      for (const sa of manifests.filter((m) => m.kind === 'ServiceAccount')) {
        await clients.core.createNamespacedServiceAccount({
          namespace: restricted,
          body: { metadata: { name: sa.metadata.name } },
        });
      }
      const refused: string[] = [];
      for (const w of workloads) {
        const t = podTemplateOf(w)!;
        // PodSecurity enforces on Pods (workload objects only get warnings): dry-run the Pod each controller would create.
        const name = `${w.metadata.name}-0`;
        // A StatefulSet's claim templates become PersistentVolumeClaim volumes of its Pods.
        const claims = (
          (w.spec as { volumeClaimTemplates?: Array<{ metadata: { name: string } }> }).volumeClaimTemplates ?? []
        ).map((c) => ({
          name: c.metadata.name,
          persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}` },
        }));
        const spec = { ...t.spec, volumes: [...((t.spec as { volumes?: unknown[] }).volumes ?? []), ...claims] };
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, labels: t.metadata?.labels },
          spec,
        } as unknown as Manifest;
        await dryRunCreate(clients, pod, restricted).catch((err: unknown) =>
          refused.push(`${w.kind}/${w.metadata.name}: ${apiMessage(err)}`),
        );
        // The workload object itself is stored by the server too (dry run).
        await dryRunCreate(clients, w, restricted).catch((err: unknown) =>
          refused.push(`${w.kind}/${w.metadata.name}: ${apiMessage(err)}`),
        );
        // Beyond the profile: every container has a read-only root filesystem.
        for (const c of [...t.spec.containers, ...(t.spec.initContainers ?? [])]) {
          if (c.securityContext?.readOnlyRootFilesystem !== true)
            refused.push(`${w.kind}/${w.metadata.name} container ${c.name}: root filesystem writable`);
        }
      }
      expect(refused).toEqual([]);
      // The admission really enforces: the same Pod without its security context is refused, naming the rules.
      const first = podTemplateOf(workloads[0]!)!;
      const bare = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'bare-probe' },
        spec: {
          ...first.spec,
          securityContext: {},
          containers: first.spec.containers.map((c) => ({ ...c, securityContext: {} })),
        },
      } as unknown as Manifest;
      const err = await dryRunCreate(clients, bare, restricted).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(apiMessage(err)).toMatch(
        /violates PodSecurity "restricted:latest".*allowPrivilegeEscalation.*runAsNonRoot/,
      );
    } finally {
      await purgeNamespace(clients, restricted);
    }
  });
});
