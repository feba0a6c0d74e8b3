import { definePackage } from '@ginkgo/sdk';
import { vwapReversion } from './vwap-reversion.js';

export { vwapReversion };

/** What the platform loads (STRATEGY_PACKAGES=@acme/strategies): use it as `@acme/strategies/vwap-reversion`. */
export default definePackage({
  name: '@acme/strategies',
  version: '1.0.0',
  strategies: { 'vwap-reversion': vwapReversion },
});
