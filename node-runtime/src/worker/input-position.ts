/** Where an input came from: its Kafka topic, partition and offset. */
export interface InputPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** The key positions are kept under: `<topic>:<partition>`. */
export const positionKey = (p: { topic: string; partition: number }) => `${p.topic}:${p.partition}`;

/** Both inputs come from the same partition (or both have no position). */
export const samePartition = (a: InputPosition | undefined, b: InputPosition | undefined) =>
  a === undefined || b === undefined ? a === b : a.topic === b.topic && a.partition === b.partition;
