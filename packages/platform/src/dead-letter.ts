import type { z } from 'zod';
import { deadLetterValueLimit, describeIssues, topics, type DeadLetter } from '@ginkgo/contracts';
import type { Accepted, IncomingMessage, MessageHandler, MessageProducer } from './message-bus.js';
import type { Logger } from './logger.js';

/**
 * Wraps a typed handler: a message that is not JSON or fails its schema goes to
 * `<topic>.dlq` with the reason, and the consumer carries on.
 */
export function validatedHandler<T extends z.ZodType>(opts: {
  schema: T;
  producer: MessageProducer;
  logger: Logger;
  handle: (value: z.infer<T>, message: IncomingMessage) => Promise<void | Accepted>;
  onDeadLetter?: (dl: DeadLetter) => void;
}): MessageHandler {
  return async (message) => {
    let error: string | undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.value ?? '');
    } catch (e) {
      error = `value is not JSON: ${(e as Error).message}`;
    }
    if (error === undefined) {
      const r = opts.schema.safeParse(parsed);
      if (r.success) return opts.handle(r.data, message);
      error = describeIssues(r.error).join('; ');
    }
    const value = message.value ?? '';
    const dl: DeadLetter = {
      sourceTopic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      // A huge bad value is cut: the reason and its position in the source topic say enough.
      value: value.length > deadLetterValueLimit ? value.slice(0, deadLetterValueLimit) : value,
      ...(value.length > deadLetterValueLimit ? { valueLength: value.length } : {}),
      error: error.length > 4000 ? `${error.slice(0, 4000)}...` : error,
      ts: Number(message.timestamp) || 0,
    };
    opts.logger.warn({ topic: message.topic, offset: message.offset, error }, 'malformed message sent to dead-letter topic');
    await opts.producer.send(topics.deadLetter(message.topic), [{ key: message.key, value: JSON.stringify(dl) }]);
    opts.onDeadLetter?.(dl);
  };
}
