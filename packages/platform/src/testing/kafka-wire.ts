/** What a Produce request (API key 0, the non-flexible versions 3-8 kafkajs speaks) says about its records. */
export interface ProduceRequestSummary {
  version: number;
  /** -1: every in-sync replica must have the records before the broker answers (acks=all). */
  acks: number;
  batches: {
    topic: string;
    partition: number;
    producerId: bigint;
    producerEpoch: number;
    baseSequence: number;
    records: number;
  }[];
}

export const PRODUCE_API_KEY = 0;

/**
 * Decodes the header fields of a Produce request frame (size prefix included) that show the producer's
 * delivery guarantees: acks, and per record batch the producer id and sequence the broker de-duplicates by
 * (-1 for a producer that is not idempotent). Undefined for other requests or versions.
 */
export function parseProduceRequest(frame: Buffer): ProduceRequestSummary | undefined {
  const apiKey = frame.readInt16BE(4);
  const version = frame.readInt16BE(6);
  if (apiKey !== PRODUCE_API_KEY || version < 3 || version > 8) return undefined;
  let at = 12;
  const skipString = () => {
    const len = frame.readInt16BE(at);
    at += 2 + Math.max(len, 0);
  };
  skipString(); // client id
  skipString(); // transactional id
  const acks = frame.readInt16BE(at);
  at += 2 + 4; // acks, timeout
  const batches: ProduceRequestSummary['batches'] = [];
  const topics = frame.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    const nameLen = frame.readInt16BE(at);
    const topic = frame.toString('utf8', at + 2, at + 2 + nameLen);
    at += 2 + nameLen;
    const partitions = frame.readInt32BE(at);
    at += 4;
    for (let p = 0; p < partitions; p++) {
      const partition = frame.readInt32BE(at);
      const size = frame.readInt32BE(at + 4);
      const batch = at + 8; // RecordBatch (magic 2)
      batches.push({
        topic,
        partition,
        producerId: frame.readBigInt64BE(batch + 43),
        producerEpoch: frame.readInt16BE(batch + 51),
        baseSequence: frame.readInt32BE(batch + 53),
        records: frame.readInt32BE(batch + 57),
      });
      at += 8 + Math.max(size, 0);
    }
  }
  return { version, acks, batches };
}
