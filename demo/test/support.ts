// The demo's integration tests run against the same test bed as livecore's: one set of helpers for both.
export { eventually, logger, mysql, requireEnv, uniqueSuffix } from '../../livecore/test/support.js';
