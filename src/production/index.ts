// The production module's door: what other modules may use of it.
export { recordProduction, toReportView } from './reports.js';
export { type DailyPrice, dailyPrices } from './price-directives.js';
