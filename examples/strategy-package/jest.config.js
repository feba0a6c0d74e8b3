// Standalone: `npm test` in this folder (after `npm run build` of the platform, or with @ginkgo/sdk installed).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        useESM: true,
        tsconfig: { module: 'NodeNext', moduleResolution: 'NodeNext', isolatedModules: true, types: ['node', 'jest'] },
      },
    ],
  },
};
