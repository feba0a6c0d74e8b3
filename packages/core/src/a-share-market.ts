export { cnAShareMarket } from './markets/cn-a-share.js';
