import { Kafka, logLevel } from 'kafkajs';

/**
 * Deletes topics and consumer groups a run created (demo, bench, tests on the shared Kafka). Best effort per
 * item: what could not be deleted is returned with the reason, never thrown.
 */
export async function deleteKafkaResources(opts: {
  brokers: string[];
  topics: string[];
  groups?: string[];
  clientId?: string;
}): Promise<{ failed: string[] }> {
  const kafka = new Kafka({
    clientId: opts.clientId ?? 'ginkgo-cleanup',
    brokers: opts.brokers,
    connectionTimeout: 3000,
    requestTimeout: 15000,
    retry: { retries: 2 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const failed: string[] = [];
  try {
    await admin.connect();
    const groups = opts.groups ?? [];
    if (groups.length > 0) {
      await admin
        .deleteGroups(groups)
        .catch((err: unknown) => failed.push(`groups ${groups.join(', ')}: ${String(err)}`));
    }
    const existing = new Set(await admin.listTopics());
    const topics = opts.topics.filter((t) => existing.has(t));
    if (topics.length > 0) {
      await admin
        .deleteTopics({ topics, timeout: 15000 })
        .catch((err: unknown) => failed.push(`topics ${topics.join(', ')}: ${String(err)}`));
    }
  } catch (err) {
    failed.push(`admin: ${String(err)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return { failed };
}
