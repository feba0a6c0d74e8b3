import { Kafka, logLevel } from 'kafkajs';

/**
 * One quick question to the Kafka cluster (metadata), no retries: for start-up dependency waits
 * and outage monitoring. Rejects with the client's error when no broker answers.
 */
export function createKafkaProbe(brokers: string[], clientId: string): () => Promise<void> {
  const kafka = new Kafka({
    clientId,
    brokers,
    connectionTimeout: 2000,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  return async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
}
