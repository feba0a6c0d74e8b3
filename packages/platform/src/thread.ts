/**
 * `@ginkgo/platform/thread`: what a worker thread needs (logging, market rules) without the clients of the
 * main entry — Kafka, MySQL, Redis and Kubernetes clients would cost every thread tens of MB it never uses.
 */
export { createLogger, type Logger } from './logger.js';
export { loadMarketRules, referenceDataPaths } from './market-reference.js';
