export * from './broker-adapter.js';
export * from './paper-exchange.js';
export * from './order-ledger.js';
export * from './trade-gateway.js';
export * from './market-data-source.js';
export * from './data-feeder.js';
export * from './config.js';
export { startLivecore } from './main.js';
