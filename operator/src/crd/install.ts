import { isConflict, isNotFound, type KubeClients, type Logger } from '@ginkgo/platform';
import { buildPortfolioCrd } from './portfolio-crd.js';

const crdApi = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' };

interface RawCrd {
  metadata?: { name?: string; resourceVersion?: string; generation?: number };
  status?: { conditions?: Array<{ type: string; status: string }>; observedGeneration?: number };
}

/**
 * Creates or updates a CRD and waits until the API server reports it Established: objects of its kind can be
 * created as soon as this returns.
 * Goes through the untyped custom-objects client: the typed apiextensions model would drop the
 * `x-kubernetes-*` and `default` keys of a raw JSON schema when serializing.
 */
export async function installCrd(
  clients: KubeClients,
  logger: Logger,
  crd: object = buildPortfolioCrd(),
  timeoutMs = 30000,
): Promise<void> {
  const c = crd as RawCrd;
  const name = c.metadata!.name!;
  for (let attempt = 0; ; attempt++) {
    try {
      const current = (await clients.custom.getClusterCustomObject({ ...crdApi, name })) as RawCrd & { spec?: unknown };
      // Replacing an unchanged CRD would re-initialize its storage (429s and closed watches for everyone).
      if (isSubset((crd as { spec?: unknown }).spec, current.spec)) {
        logger.debug({ crd: name }, 'CRD up to date');
        break;
      }
      await clients.custom.replaceClusterCustomObject({
        ...crdApi,
        name,
        body: { ...c, metadata: { ...c.metadata, resourceVersion: current.metadata?.resourceVersion } },
      });
      logger.info({ crd: name }, 'CRD updated');
      break;
    } catch (err) {
      if (isNotFound(err)) {
        try {
          await clients.custom.createClusterCustomObject({ ...crdApi, body: c });
          logger.info({ crd: name }, 'CRD created');
          break;
        } catch (createErr) {
          if (isConflict(createErr) && attempt < 5) continue; // raced with another installer
          throw createErr;
        }
      }
      if (isConflict(err) && attempt < 5) continue;
      throw err;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = (await clients.custom.getClusterCustomObject({ ...crdApi, name })) as RawCrd;
    const established = current.status?.conditions?.find((x) => x.type === 'Established')?.status === 'True';
    if (established) return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every value in `want` is in `have` (the server adds defaults; it never removes what we sent). */
export function isSubset(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(have) && want.length === have.length && want.every((w, i) => isSubset(w, have[i]));
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return false;
    return Object.entries(want).every(([k, v]) => v === undefined || isSubset(v, (have as Record<string, unknown>)[k]));
  }
  return want === have;
}
