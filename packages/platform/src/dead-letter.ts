import type { z } from 'zod';
import { deadLetterValueLimit, describeIssues, topics, type DeadLetter } from '@ginkgo/contracts';
import type { Accepted, IncomingMessage, MessageHandler, MessageProducer } from './message-bus.js';
import type { Logger } from './logger.js';

/** A message checked against its schema: its typed value, or why it goes to the dead-letter topic. */
export type CheckedMessage<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses a message's JSON value and checks it against `schema`. */
export function checkMessage<T extends z.ZodType>(schema: T, message: IncomingMessage): CheckedMessage<z.infer<T>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value ?? '');
  } catch (e) {
    return { ok: false, error: `value is not JSON: ${(e as Error).message}` };
  }
  const r = schema.safeParse(parsed);
  return r.success
    ? { ok: true, value: r.data as z.infer<T> }
    : { ok: false, error: describeIssues(r.error).join('; ') };
}

/**
 * Checks each message once for two readers: a consumer's event-time order needs a message's time before its
 * handler runs, and only a message that passes its schema may have one (a malformed value's bogus time would
 * reorder the good messages behind it). Results are keyed by the message object, so they go with it.
 */
export class MessageChecker<T extends z.ZodType> {
  private readonly results = new WeakMap<IncomingMessage, CheckedMessage<z.infer<T>>>();

  constructor(readonly schema: T) {}

  check(message: IncomingMessage): CheckedMessage<z.infer<T>> {
    let r = this.results.get(message);
    if (!r) this.results.set(message, (r = checkMessage(this.schema, message)));
    return r;
  }

  /** The source time of a valid message (`ts` picks it), undefined for a malformed one. */
  eventTime(ts: (value: z.infer<T>) => number): (message: IncomingMessage) => number | undefined {
    return (message) => {
      const r = this.check(message);
      return r.ok ? ts(r.value) : undefined;
    };
  }
}

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
  /** Shares the check with the consumer's event-time order (see MessageChecker). */
  checker?: MessageChecker<T>;
}): MessageHandler {
  const { checker, schema } = opts;
  const check = checker ? (m: IncomingMessage) => checker.check(m) : (m: IncomingMessage) => checkMessage(schema, m);
  return async (message) => {
    const checked = check(message);
    if (checked.ok) return opts.handle(checked.value, message);
    const { error } = checked;
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
    opts.logger.warn(
      { topic: message.topic, offset: message.offset, error },
      'malformed message sent to dead-letter topic',
    );
    await opts.producer.send(topics.deadLetter(message.topic), [{ key: message.key, value: JSON.stringify(dl) }]);
    opts.onDeadLetter?.(dl);
  };
}
