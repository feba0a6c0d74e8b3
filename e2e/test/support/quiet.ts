import type { Admin } from 'kafkajs';

/** A consumer group and the topic it reads. */
export interface GroupOnTopic {
  groupId: string;
  topic: string;
}

/**
 * Whether the whole system is quiet: every consumer group has committed everything on its topic (each process
 * commits only after a message's effects: orders published, state saved) and the gateway has no broker report
 * left to acknowledge or publish. A test that sends a tape one message at a time, each once the system is quiet,
 * gets the order a backtest applies things in: the venue's answer to an order reaches the portfolio before the
 * next market message.
 */
export class Quiet {
  private readonly base = new Map<string, Map<number, number>>();

  constructor(
    private readonly admin: Admin,
    /** The groups that must have caught up (a function: the live processes change under faults). */
    private readonly groups: () => GroupOnTopic[],
    private readonly gatewayMetrics: () => string,
  ) {}

  /** Log ends now: a group with no commit on a partition yet owes what comes after this. */
  async mark(topics: string[]): Promise<void> {
    for (const t of topics) {
      const ends = await this.admin.fetchTopicOffsets(t);
      this.base.set(t, new Map(ends.map((e) => [e.partition, Number(e.high)])));
    }
  }

  /** What is still owed, or undefined when nothing is. */
  async owed(): Promise<string | undefined> {
    const text = await (await fetch(this.gatewayMetrics())).text();
    for (const metric of ['ginkgo_gateway_order_events_unpublished', 'ginkgo_gateway_orders_awaiting_ack']) {
      const line = text.split('\n').find((l) => l.startsWith(`${metric}{`));
      if (line && Number(line.split(' ').pop()) !== 0) return line;
    }
    for (const { groupId, topic } of this.groups()) {
      const [ends, [committed]] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        this.admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      for (const e of ends) {
        const c = at.get(e.partition) ?? -1;
        const from = c >= 0 ? c : (this.base.get(topic)?.get(e.partition) ?? 0);
        if (Number(e.high) > from) return `${groupId} owes ${Number(e.high) - from} on ${topic}:${e.partition}`;
      }
    }
    return undefined;
  }

  /** Two rounds in a row with nothing owed (what one round saw produced, the next sees consumed). */
  async wait(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let clean = 0; clean < 2;) {
      const owed = await this.owed();
      clean = owed ? 0 : clean + 1;
      if (owed && Date.now() > deadline) throw new Error(`the system did not go quiet: ${owed}`);
      if (owed) await new Promise((r) => setTimeout(r, 5));
    }
  }
}
