import type { IncomingMessage } from '../src/index.js';
import { requireEnv } from './testbed-env.js';

/** The test bed's Kafka brokers. */
export const testbedBrokers = () => requireEnv('KAFKA_BROKERS').split(',');

/** A handler that keeps what it gets; `done` resolves once `n` messages have arrived. */
export function collectMessages(n: number) {
  const got: IncomingMessage[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    got,
    done,
    handler: async (m: IncomingMessage) => {
      got.push(m);
      if (got.length >= n) resolve();
    },
  };
}

/** Polls until `ok()` holds, or fails naming what it waited for. */
export async function waitUntil(what: string, ok: () => boolean, timeoutMs = 45000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
