/** The one interface every Kafka user codes against; kafkajs is the real adapter. */
export interface OutgoingMessage {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface MessageProducer {
  /** Resolves once every message is acknowledged by all in-sync replicas (acks=all). */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a handler may return for a message it has taken in but finishes later (e.g. queued to a worker): the
 * consumer goes on with the next message, and commits this one's offset only once `settled` resolves (in
 * order: an offset is committed only when every message before it has settled too). A rejected `settled`
 * makes the consumer replay from its last commit.
 */
export interface Accepted {
  settled: Promise<void>;
}

export type MessageHandler = (message: IncomingMessage) => Promise<void | Accepted>;

export interface ConsumerOptions {
  groupId: string;
  topics: (string | RegExp)[];
  fromBeginning?: boolean;
  /**
   * The event time of a message: when given, messages are handed to the handler in event-time order across
   * partitions (per partition still in offset order), also when a backlog is read after a rebuild or a rejoin.
   * Undefined keeps the message's place in its partition.
   */
  eventTime?: (m: IncomingMessage) => number | undefined;
}

export interface MessageConsumer {
  /**
   * Runs the handler for each message in partition order; an offset is committed only
   * after its handler resolved, or its `Accepted.settled` did (at-least-once; handlers make effects idempotent).
   */
  run(handler: MessageHandler): Promise<void>;
  /** Resolves once the consumer has joined its group and holds partitions (or at once in memory). */
  joined(): Promise<void>;
  pause(topic: string, partitions?: number[]): void;
  resume(topic: string, partitions?: number[]): void;
  close(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions?: number;
  compacted?: boolean;
}

export interface MessageBus {
  producer(opts?: { transactionalId?: string }): Promise<MessageProducer>;
  consumer(opts: ConsumerOptions): Promise<MessageConsumer>;
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  close(): Promise<void>;
}
