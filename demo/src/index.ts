export * from './embedded-system.js';
export * from './tracking-bus.js';
export { runDemo, demoPortfolios, hkDemoPortfolios, type DemoEnv, type DemoResult } from './demo-main.js';
