export { main, summaryTable } from './main.js';
export * from './tape-file.js';
export * from './portfolio-file.js';
export * from './stats.js';
export * from './report-html.js';
export * from './format.js';
