export * from './money.js';
export * from './market-data.js';
export * from './orders.js';
export * from './portfolio-spec.js';
export * from './topics.js';
export * from './validation-error.js';
export * from './portfolio-resource.js';
export * from './livecore-control.js';
