import { KafkaMessageBus, MySqlDatabase, createLogger, type MessageBus } from '@ginkgo/platform';

export function requireEnv(name: 'KAFKA_BROKERS' | 'MYSQL_URL'): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run \`make testbed-up\` or point ${name} at a server`);
  return v;
}

export const uniqueSuffix = () => `${Date.now().toString(36).slice(-5)}${Math.floor(Math.random() * 1e6).toString(36)}`;

export const logger = createLogger('livecore-test');

export function kafka(clientId: string): MessageBus {
  return new KafkaMessageBus({ brokers: requireEnv('KAFKA_BROKERS').split(','), clientId, logger });
}

export const mysql = () => new MySqlDatabase(requireEnv('MYSQL_URL'));

/** Polls until `probe` returns a value, or fails naming what it waited for. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Collects every JSON message of a topic from the beginning (own consumer group). */
export async function collect<T>(
  bus: MessageBus,
  topic: string,
  groupId: string,
): Promise<{ items: T[]; close: () => Promise<void> }> {
  const items: T[] = [];
  const c = await bus.consumer({ groupId, topics: [topic], fromBeginning: true });
  await c.run(async (m) => {
    items.push(JSON.parse(m.value ?? 'null') as T);
  });
  await c.joined();
  return { items, close: () => c.close() };
}
