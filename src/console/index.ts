// The console's door: server-rendered pages for treasury officers, approvers and auditors,
// mounted under /console by src/app.ts. See docs/console.md.
export { consoleRouter, CONTENT_SECURITY_POLICY, overviewData, OverviewPage, type ConsoleOptions } from './app.js';
