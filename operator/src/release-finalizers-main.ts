import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { portfolioResource } from '@ginkgo/contracts';
import { apiStatusCode, createKubeClients, createLogger } from '@ginkgo/platform';

// `node operator/dist/release-finalizers-main.js`: run by the chart's post-delete hook once the operator is
// gone. Removes the operator's finalizer from every Portfolio in WATCH_NAMESPACE so that deleting them (or
// their namespace) later never hangs waiting for an operator that no longer exists. The Portfolios stay:
// they are the user's declared intent, and a new install adopts them again (it adds the finalizer back).
const logger = createLogger('release-finalizers');
const namespace = process.env.WATCH_NAMESPACE;
if (!namespace) {
  logger.fatal('WATCH_NAMESPACE is not set');
  process.exit(2);
}
const { group, version, plural, finalizer } = portfolioResource;
type Listed = { items: Array<{ metadata: { name: string; resourceVersion?: string; finalizers?: string[] } }> };
const jsonPatch = () => setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

try {
  const clients = createKubeClients();
  // A few rounds: a patch guarded by `test` fails when the object changed meanwhile; list again then.
  for (let round = 1; round <= 10; round++) {
    const list = (await clients.custom.listNamespacedCustomObject({ group, version, namespace, plural })) as Listed;
    const held = list.items.filter((p) => (p.metadata.finalizers ?? []).includes(finalizer));
    if (held.length === 0) {
      logger.info({ namespace, portfolios: list.items.length }, 'no Portfolio holds the operator finalizer');
      process.exit(0);
    }
    for (const p of held) {
      const finalizers = p.metadata.finalizers ?? [];
      const patch = [
        { op: 'test', path: '/metadata/finalizers', value: finalizers },
        { op: 'replace', path: '/metadata/finalizers', value: finalizers.filter((f) => f !== finalizer) },
      ];
      try {
        await clients.custom.patchNamespacedCustomObject(
          { group, version, namespace, plural, name: p.metadata.name, body: patch },
          jsonPatch(),
        );
        logger.info({ portfolio: p.metadata.name }, 'finalizer released');
      } catch (err) {
        const code = apiStatusCode(err);
        if (code !== 404 && code !== 409 && code !== 422) throw err;
      }
    }
  }
  logger.fatal({ namespace }, 'Portfolios still hold the operator finalizer after 10 rounds');
  process.exit(1);
} catch (err) {
  logger.fatal({ err }, 'could not release the finalizers');
  process.exit(1);
}
