// `make chaos`: the chaos day (e2e/chaos/chaos-day.chaos.ts) with the repo's jest + ts-jest setup, outside
// `make test` (its own servers, up to ~25 minutes).
import base from '../../jest.config.js';

export default {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/e2e/chaos'],
  testMatch: ['**/*.chaos.ts'],
  testTimeout: 3_600_000,
};
