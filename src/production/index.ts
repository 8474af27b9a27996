// The production module's door: what other modules may use of it.
export { recordProduction, toReportView } from './reports.js';
export { type DailyPrice, dailyPrices } from './price-directives.js';
export * from './aggregate.js';
export * from './demo/year.js';
export * from './expected.js';
export * from './market-import.js';
export * from './market.js';
export * from './sites.js';
export { latestAt } from './series.js';
