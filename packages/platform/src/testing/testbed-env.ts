/**
 * The test bed's connection settings for a child process (node-runtime, operator, livecore) that watches
 * `namespace`; unset ones are passed empty so the child fails with its own message naming them.
 */
export function testBedEnv(namespace: string) {
  return {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
    MYSQL_URL: process.env.MYSQL_URL ?? '',
    REDIS_URL: process.env.REDIS_URL ?? '',
    KUBECONFIG: process.env.KUBECONFIG ?? '',
    WATCH_NAMESPACE: namespace,
  };
}
