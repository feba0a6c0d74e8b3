import { connect } from 'node:net';
import path from 'node:path';
import { exec } from './command.js';
import { repoRoot } from './processes.js';
import { helmBin } from './chart.js';

/** What the test bed's Kubernetes node (e2e/testbed/node.sh) writes to testbed.env. */
export interface NodeEnv {
  nodeName: string;
  kubectl: string;
  kubeconfig: string;
  helm: string;
  /** Addresses pods use to reach the test bed's servers (through the pod bridge). */
  pod: { kafkaBrokers: string; redisUrl: string; mysqlUrl: string };
}

export function nodeEnv(): NodeEnv {
  const e = process.env;
  const missing = [
    'TESTBED_NODE_NAME',
    'POD_KAFKA_BROKERS',
    'POD_REDIS_URL',
    'POD_MYSQL_URL',
    'KUBECONFIG',
    'KUBECTL',
  ].filter((k) => !e[k]);
  if (missing.length) {
    throw new Error(
      `the test bed has no Kubernetes node (${missing.join(', ')} unset in testbed.env): run \`make testbed-up\` without TESTBED_NODE=0`,
    );
  }
  return {
    nodeName: e.TESTBED_NODE_NAME!,
    kubectl: e.KUBECTL!,
    kubeconfig: e.KUBECONFIG!,
    helm: e.HELM ?? helmBin(),
    pod: { kafkaBrokers: e.POD_KAFKA_BROKERS!, redisUrl: e.POD_REDIS_URL!, mysqlUrl: e.POD_MYSQL_URL! },
  };
}

/** Kafka must listen on the pod bridge: a test bed started before its node existed lacks that listener. */
export async function assertPodKafka(env: NodeEnv): Promise<void> {
  const [host, port] = env.pod.kafkaBrokers.split(',')[0]!.split(':');
  const ok = await new Promise<boolean>((resolve) => {
    const s = connect({ host: host!, port: Number(port), timeout: 3000 });
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.on('timeout', () => (s.destroy(), resolve(false)));
  });
  if (!ok)
    throw new Error(
      `Kafka does not listen on the pod bridge (${env.pod.kafkaBrokers}): restart the test bed once (testbed-down.sh, testbed-up.sh)`,
    );
}

export { exec, type CommandResult as Cmd } from './command.js';

/** Like exec, but throws with the command's stderr when it fails. */
export async function must(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0)
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export const kubectl = (env: NodeEnv, args: string[], opts: { input?: string; timeoutMs?: number } = {}) =>
  must(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], opts);

export const helmCmd = (env: NodeEnv, args: string[], timeoutMs = 10 * 60_000) =>
  must(env.helm, ['--kubeconfig', env.kubeconfig, ...args], { timeoutMs });

const imageScript = path.join(repoRoot, 'e2e', 'testbed', 'image.sh');

/** `make image` (podman, no registry, no network), imported into the node's containerd; returns the reference. */
export async function buildImage(): Promise<string> {
  return (await must('bash', [imageScript], { timeoutMs: 20 * 60_000 })).trim().split('\n').pop()!;
}

/** Another tag of an image already built (what a release pipeline would push), imported into the node. */
export async function tagImage(tag: string): Promise<string> {
  return (await must('bash', [imageScript, '--retag', tag], { timeoutMs: 5 * 60_000 })).trim().split('\n').pop()!;
}

/**
 * A team's image: `examples/<dir>/Containerfile` built FROM the platform image (run buildImage first), as
 * `acme/ginkgo-live:<tag>`, imported into the node.
 */
export async function buildExampleImage(dir: string, tag: string): Promise<string> {
  const args = [imageScript, '--example', path.join(repoRoot, 'examples', dir), tag];
  return (await must('bash', args, { timeoutMs: 10 * 60_000 })).trim().split('\n').pop()!;
}

export interface PodInfo {
  name: string;
  uid: string;
  component: string;
  image: string;
  ready: boolean;
  restarts: number;
  phase: string;
  deleting: boolean;
  podIP?: string;
  hostNetwork: boolean;
  probes: string[];
}

interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: {
    hostNetwork?: boolean;
    containers: Array<{
      image: string;
      readinessProbe?: { httpGet?: { path: string } };
      livenessProbe?: { httpGet?: { path: string } };
      startupProbe?: object;
    }>;
  };
  status: {
    phase: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ restartCount: number }>;
  };
}

export async function pods(env: NodeEnv, namespace: string): Promise<PodInfo[]> {
  const list = JSON.parse(await kubectl(env, ['get', 'pods', '-n', namespace, '-o', 'json'])) as { items: PodJson[] };
  return list.items.map((p) => {
    const c = p.spec.containers[0]!;
    return {
      name: p.metadata.name,
      uid: p.metadata.uid,
      component: p.metadata.labels?.['app.kubernetes.io/component'] ?? '',
      image: c.image,
      ready: (p.status.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True'),
      restarts: (p.status.containerStatuses ?? []).reduce((n, s) => n + s.restartCount, 0),
      phase: p.status.phase,
      deleting: Boolean(p.metadata.deletionTimestamp),
      podIP: p.status.podIP,
      hostNetwork: Boolean(p.spec.hostNetwork),
      probes: [
        c.startupProbe ? 'startup' : '',
        c.livenessProbe?.httpGet ? `liveness ${c.livenessProbe.httpGet.path}` : '',
        c.readinessProbe?.httpGet ? `readiness ${c.readinessProbe.httpGet.path}` : '',
      ].filter(Boolean),
    };
  });
}

/** Short description of the pods (for failure messages). */
export const describePods = (ps: PodInfo[]) =>
  ps
    .map(
      (p) =>
        `${p.name} ${p.phase}${p.ready ? ' Ready' : ''}${p.deleting ? ' deleting' : ''} restarts=${p.restarts} ${p.image}`,
    )
    .join('; ');
