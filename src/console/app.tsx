/** @jsxImportSource hono/jsx */
// The console app: server-rendered pages for treasury officers, approvers and auditors,
// mounted under /console by src/app.ts. See docs/console.md.
import { Hono } from 'hono';
import {
  assetsRoute,
  type ConsoleEnv,
  type ConsoleOptions,
  consoleError,
  needPage,
  requireCsrf,
  requireSession,
  securityHeaders,
} from './router.js';
import { loginRoutes } from './pages/login.js';
import { OverviewPage, overviewData } from './pages/overview.js';
import { pageRoutes } from './pages/routes.js';
import { spendsWaiting } from './pages/waiting.js';
import { publicRoutes } from './pages/public.js';

export type { ConsoleOptions } from './router.js';
export { CONTENT_SECURITY_POLICY } from './router.js';
export { overviewData, OverviewPage } from './pages/overview.js';

export function consoleRouter(options: ConsoleOptions) {
  const app = new Hono<ConsoleEnv>();
  app.use('*', securityHeaders);
  app.onError(consoleError);
  assetsRoute(app);
  loginRoutes(app, options);
  publicRoutes(app, options);
  const signedIn = new Hono<ConsoleEnv>();
  signedIn.use('*', requireSession(options), requireCsrf);
  signedIn.get('/', needPage('overview'), async (c) => {
    // Independent reads, started together (on PostgreSQL they run on separate connections).
    const [data, waiting] = await Promise.all([overviewData(c.var.ctx, options.reportingCurrency), spendsWaiting(c)]);
    return c.html(<OverviewPage ctx={c.var.page} data={data} waiting={waiting} />);
  });
  pageRoutes(signedIn, options);
  app.route('/', signedIn);
  return app;
}
