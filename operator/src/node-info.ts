import { ComponentAdvert, NodeLoad, nodeLease } from '@ginkgo/contracts';

/** What the operator knows about one execution node, from its Lease. */
export interface NodeInfo {
  id: string;
  /** Markets served; null = every market. */
  markets: string[] | null;
  /** Lease held and unexpired (plus grace). */
  live: boolean;
  draining: boolean;
  overloaded: boolean;
  queueDepth: number;
  capacity?: number;
  /** Epoch ms when the Lease expires (renewTime + duration); 0 when it carries no time. */
  expiresAt: number;
  /** The node gave its Lease up (graceful stop): no holder, or another one. */
  released?: boolean;
  /** Components the node advertised as `<kind>:<name>`; null = not advertised (a node from before adverts: runs anything). */
  components?: ReadonlySet<string> | null;
  /** The params JSON Schema the node advertised per component (`<kind>:<name>`), where it sent one. */
  componentParams?: ReadonlyMap<string, unknown>;
}

function parseComponents(value: string | undefined): ComponentAdvert[] | null {
  if (!value) return null;
  try {
    const r = ComponentAdvert.array().safeParse(JSON.parse(value));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export interface LeaseLike {
  metadata?: { name?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    renewTime?: Date | string;
    acquireTime?: Date | string;
  };
}

export interface OverloadPolicy {
  cpu: number;
  memory: number;
  queueDepth: number;
}

export const defaultOverloadPolicy: OverloadPolicy = { cpu: 0.9, memory: 0.9, queueDepth: 1000 };

export function parseLoad(value: string | undefined): NodeLoad {
  if (!value) return {};
  try {
    const r = NodeLoad.safeParse(JSON.parse(value));
    return r.success ? r.data : {};
  } catch {
    return {};
  }
}

/** Reads a node Lease (`node-<id>`, holderIdentity = id). Returns undefined for a Lease that is not a node's. */
export function nodeFromLease(
  lease: LeaseLike,
  now: number,
  graceMs = 0,
  policy: OverloadPolicy = defaultOverloadPolicy,
): NodeInfo | undefined {
  const name = lease.metadata?.name ?? '';
  if (!name.startsWith(nodeLease.namePrefix)) return undefined;
  const id = name.slice(nodeLease.namePrefix.length);
  const spec = lease.spec ?? {};
  const renew = spec.renewTime ?? spec.acquireTime;
  const expiresAt = renew ? new Date(renew).getTime() + (spec.leaseDurationSeconds ?? 0) * 1000 : 0;
  const held = spec.holderIdentity === id;
  const ann = lease.metadata?.annotations ?? {};
  const marketsRaw = (ann[nodeLease.marketsAnnotation] ?? '').trim();
  const markets = marketsRaw
    ? marketsRaw
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean)
    : null;
  const drainingRaw = ann[nodeLease.drainingAnnotation];
  const draining = drainingRaw !== undefined && drainingRaw !== 'false';
  const load = parseLoad(ann[nodeLease.loadAnnotation]);
  const adverts = parseComponents(ann[nodeLease.componentsAnnotation]);
  const overloaded =
    load.overloaded === true ||
    (load.cpu ?? 0) >= policy.cpu ||
    (load.memory ?? 0) >= policy.memory ||
    (load.queueDepth ?? 0) >= policy.queueDepth;
  return {
    id,
    markets,
    live: held && expiresAt + graceMs > now,
    draining,
    overloaded,
    queueDepth: load.queueDepth ?? 0,
    ...(load.capacity !== undefined ? { capacity: load.capacity } : {}),
    expiresAt,
    components: adverts ? new Set(adverts.map((c) => `${c.kind}:${c.name}`)) : null,
    ...(adverts
      ? {
          componentParams: new Map(
            adverts.flatMap((c) => (c.params === undefined ? [] : [[`${c.kind}:${c.name}`, c.params] as const])),
          ),
        }
      : {}),
    released: !held,
  };
}
