import type { Kafka } from 'kafkajs';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** KAFKA_BROKERS from the environment, else from the test bed's env file (what jest loads too). */
export function kafkaBrokers(): string[] {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv) return split(fromEnv);
  const file = join(homedir(), '.cache', 'ginkgo-live', 'run', 'testbed.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`KAFKA_BROKERS is not set and ${file} is missing: run \`make testbed-up\` first`);
  }
  const line = text.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  if (!line) throw new Error(`KAFKA_BROKERS: not found in ${file}`);
  return split(line.slice('KAFKA_BROKERS='.length));
}

function split(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim().replace(/^["']|["']$/g, ''))
    .filter(Boolean);
}

/**
 * Deletes a run's topics (`<runId>...`) and consumer groups from the shared test bed; a failure is reported, not
 * thrown (the figures are printed already).
 */
export async function deleteRunTopics(kafka: Kafka, runId: string, report: (message: string) => void): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(runId));
    if (mine.length) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(runId));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
  } catch (err) {
    report(`clean-up incomplete: ${String(err)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
