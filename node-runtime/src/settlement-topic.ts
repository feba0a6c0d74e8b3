import { settlementsTopic } from '@ginkgo/contracts';

/** Where the node publishes each portfolio's end-of-day settlement record. */
export const settlementTopic = (market: string): string => settlementsTopic(market);
