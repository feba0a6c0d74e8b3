// One jest run for unit, integration and e2e tests (ESM + ts-jest, sources not dist).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: [
    '<rootDir>/packages',
    '<rootDir>/examples',
    '<rootDir>/operator',
    '<rootDir>/node-runtime',
    '<rootDir>/livecore',
    '<rootDir>/demo',
    '<rootDir>/e2e',
  ],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@ginkgo/(contracts|core|platform|sdk|cli)$': '<rootDir>/packages/$1/src/index.ts',
    '^@ginkgo/platform/testing$': '<rootDir>/packages/platform/src/testing/index.ts',
    '^@ginkgo/platform/thread$': '<rootDir>/packages/platform/src/thread.ts',
    '^@ginkgo/livecore/paper-exchange$': '<rootDir>/livecore/src/paper-exchange.ts',
    '^@ginkgo/(operator|node-runtime|livecore|demo)$': '<rootDir>/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  setupFiles: ['<rootDir>/e2e/jest/load-testbed-env.cjs'],
  testTimeout: 60000,
  // One file at a time: integration and e2e files share one Kafka (orders.cn, market.data.cn) and
  // gateways in one consumer group; in parallel they would fill or tick each other's portfolios.
  maxWorkers: 1,
  // A stray socket of a client library must not keep CI waiting after the last test.
  forceExit: true,
};
