import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { matchedRoutes } from 'hono/route';
import { type Database, isDatabaseUnavailable } from '../db/client.js';
import { alertsRouter } from './alerts/routes.js';
import { auditRouter } from './audit/routes.js';
import { consoleRouter } from './console/index.js';
import { exportsRouter } from './exports/routes.js';
import { audit } from './audit/service.js';
import type { Config } from './config.js';
import { ANONYMOUS_ACTOR } from './context.js';
import { authenticate } from './http/auth.js';
import { bodyLimitByHeader } from './http/body.js';
import { createRouter } from './http/env.js';
import { randomHex } from './ids.js';
import { createMetrics, type Metrics, registerBusinessMetrics } from './http/metrics.js';
import { businessReader } from './business-readings.js';
import { AppError, DomainError, problem, problemOf, type Problem } from './http/problem.js';
import { keysRouter } from './keys/routes.js';
import { adjustmentsRouter } from './ledger/adjustments/routes.js';
import { ledgerRouter } from './ledger/routes.js';
import { loadLogSetup, transparencyRouter, verifierKeyString } from './ledger/transparency/index.js';
import { policiesRouter } from './policies/routes.js';
import { productionRouter } from './production/routes.js';
import { reconciliationRouter } from './reconciliation/routes.js';
import { proofOfReservesRouter } from './reports/proof-of-reserves-routes.js';
import { rollforwardRouter } from './reports/rollforward-routes.js';
import { holdingsRouter } from './reports/holdings-routes.js';
import type { Logger } from './logger.js';
import { payoutsRouter } from './payouts/routes.js';
import { spendsRouter } from './spends/index.js';
import { docsRouter } from './system/docs.js';
import { systemRouter } from './system/routes.js';

export interface AppDeps {
  database: Database;
  config: Pick<Config, 'BODY_LIMIT_BYTES'> & Partial<Config>;
  log: Logger;
  metrics?: Metrics;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;.*)?$/i;

export function sendProblem(c: Context, body: Problem, headers: Record<string, string> = {}) {
  return c.body(JSON.stringify(body), body.status as 400, { ...headers, 'content-type': 'application/problem+json' });
}

/** The route pattern that handled the request (for metrics and logs), not the raw path. */
function routeOf(c: Context): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return routes[routes.length - 1]?.path ?? 'unmatched';
}

export function createApp(deps: AppDeps) {
  const { database, log } = deps;
  const metrics = deps.metrics ?? createMetrics();
  registerBusinessMetrics(metrics, database.db, businessReader(database.db, log));
  const app = createRouter();

  // Request id, per-request ctx, access log and metrics wrap everything else.
  app.use('*', async (c, next) => {
    const started = performance.now();
    const offered = c.req.header('x-request-id');
    const requestId = offered && REQUEST_ID.test(offered) ? offered : `req_${randomHex(8)}`;
    c.set('requestId', requestId);
    c.set('actor', null);
    const request = { method: c.req.method, route: routeOf(c) };
    c.set('ctx', {
      db: database.db,
      actor: ANONYMOUS_ACTOR,
      requestId,
      request,
      log: log.child({ req_id: requestId }),
      audited: { done: false },
    });
    await next();
    c.header('X-Request-Id', requestId);
    const route = routeOf(c);
    const status = String(c.res.status);
    const seconds = (performance.now() - started) / 1000;
    metrics.requests.inc({ method: c.req.method, route, status });
    metrics.duration.observe({ method: c.req.method, route, status }, seconds);
    log.info(
      {
        req_id: requestId,
        method: c.req.method,
        route,
        status: c.res.status,
        duration_ms: Math.round(seconds * 1e4) / 10,
        actor: c.var.ctx.actor.keyId ?? c.var.ctx.actor.role,
      },
      'request',
    );
  });

  app.use(
    '*',
    bodyLimitByHeader({
      maxSize: deps.config.BODY_LIMIT_BYTES,
      onError: () => {
        throw new AppError(
          'payload_too_large',
          `the request body is over the limit of ${deps.config.BODY_LIMIT_BYTES} bytes`,
        );
      },
    }),
  );

  // A body that is not JSON is refused before any parsing (the console's forms are not under /v1).
  app.use('/v1/*', async (c, next) => {
    if (MUTATING.has(c.req.method)) {
      const length = c.req.header('content-length');
      const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
      const type = c.req.header('content-type');
      const signedPsbt =
        /^\/v1\/spends\/[^/]+\/signatures$/.test(c.req.path) && /^application\/octet-stream\b/i.test(type ?? '');
      if (hasBody && !signedPsbt && (!type || !JSON_TYPE.test(type))) {
        throw new AppError('unsupported_media_type', `the body must be application/json, not ${type ?? 'untyped'}`);
      }
    }
    await next();
  });

  app.use('/v1/*', async (c, next) => {
    if (c.req.path.startsWith('/v1/webhooks/')) return next(); // signed by HMAC, not a bearer key
    return authenticate(database.db)(c, next);
  });

  // Verbs write their audit row inside their own transaction; this catches a success that did not.
  app.use('/v1/*', async (c, next) => {
    await next();
    const ctx = c.var.ctx;
    if (MUTATING.has(c.req.method) && c.res.status < 300 && !ctx.audited?.done) {
      ctx.log.error({ route: routeOf(c) }, 'a mutating request succeeded without an audit row; writing one now');
      await audit(database.db, ctx, {
        action: `${c.req.method} ${routeOf(c)}`,
        method: c.req.method,
        route: routeOf(c),
        status: c.res.status,
      });
    }
  });

  app.route('/', systemRouter(database, metrics));
  app.route('/', docsRouter());
  app.route('/', keysRouter());
  app.route('/', auditRouter());
  app.route('/', ledgerRouter());
  app.route('/', adjustmentsRouter());
  app.route(
    '/',
    payoutsRouter({
      secrets: deps.config.FLEET_WEBHOOK_SECRETS ?? [],
      bodyLimitBytes: deps.config.WEBHOOK_BODY_LIMIT_BYTES ?? 256 * 1024,
      signatureAlert: {
        threshold: deps.config.WEBHOOK_SIGNATURE_ALERT_COUNT ?? 10,
        windowS: deps.config.WEBHOOK_SIGNATURE_ALERT_WINDOW_S ?? 300,
      },
    }),
  );
  app.route('/', alertsRouter());
  app.route('/', policiesRouter());
  app.route('/', exportsRouter({ reportingCurrency: deps.config.REPORTING_CURRENCY ?? 'USD' }));
  app.route('/', productionRouter());
  app.route('/', reconciliationRouter({ reportingCurrency: deps.config.REPORTING_CURRENCY ?? 'USD' }));
  app.route('/', holdingsRouter({ reportingCurrency: deps.config.REPORTING_CURRENCY ?? 'USD' }));
  app.route('/', rollforwardRouter({ reportingCurrency: deps.config.REPORTING_CURRENCY ?? 'USD' }));
  app.route('/', proofOfReservesRouter());
  app.route('/', spendsRouter());
  const logSetup = loadLogSetup(deps.config);
  app.route('/', transparencyRouter(logSetup));
  app.route(
    '/console',
    consoleRouter({
      db: database.db,
      reportingCurrency: deps.config.REPORTING_CURRENCY ?? 'USD',
      cookieSecure: deps.config.CONSOLE_COOKIE_SECURE === 'on',
      publicPage: deps.config.PUBLIC_PAGE === 'on',
      spends: true,
      transparency: {
        logKey: verifierKeyString(logSetup.signer),
        witnessKeys: logSetup.witnesses.map(verifierKeyString),
        quorum: logSetup.quorum,
      },
    }),
  );
  app.get('/', (c) => c.redirect('/console/login', 302));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: `Authorization: Bearer rsv_...`',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Reserve',
      version: '0.1.0',
      description: 'Treasury and accounting system of record for a sovereign bitcoin reserve.',
    },
  });

  app.notFound((c) => {
    const methods = allowedMethods(app.routes, c.req.path);
    // A route that takes this method but found nothing (c.notFound()) is a 404, not a 405.
    const allowed = methods.includes(c.req.method) ? [] : methods;
    if (allowed.length > 0) {
      return sendProblem(
        c,
        problem(
          'method_not_allowed',
          `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed.join(', ')}`,
        ),
        { Allow: allowed.join(', ') },
      );
    }
    return sendProblem(c, problem('not_found', `no route for ${c.req.method} ${c.req.path}`));
  });

  app.onError((error, c) => {
    if (error instanceof DomainError) return sendProblem(c, problemOf(error), error.options.headers);
    if (error instanceof HTTPException) {
      if (error.status === 413)
        return sendProblem(c, problem('payload_too_large', 'the request body is over the size limit'));
      if (/Malformed JSON/i.test(error.message))
        return sendProblem(c, problem('malformed_json', 'the request body is not valid JSON'));
      if (error.status === 401) return sendProblem(c, problem('unauthorized', 'authentication failed'));
      if (error.status < 500) return sendProblem(c, problem('bad_request', 'the request could not be read'));
    }
    if (isDatabaseUnavailable(error)) {
      // The database is down or restarting: a retryable 503, not a 500 (docs/operations.md).
      log.warn({ req_id: c.var.requestId, err: error, path: c.req.path }, 'database unavailable');
      return sendProblem(
        c,
        problem('service_unavailable', 'the database is unavailable; retry later', undefined, {
          request_id: c.var.requestId ?? 'unknown',
        }),
        { 'Retry-After': '5' },
      );
    }
    const requestId = c.var.requestId ?? 'unknown';
    log.error({ req_id: requestId, err: error, method: c.req.method, path: c.req.path }, 'unhandled error');
    return sendProblem(
      c,
      problem(
        'internal',
        `an internal error occurred; the operators can find it in the log under request id ${requestId}`,
        undefined,
        { request_id: requestId },
      ),
    );
  });

  return { app, metrics };
}

export type App = ReturnType<typeof createApp>['app'];

function allowedMethods(routes: { method: string; path: string }[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === 'ALL' || route.path.includes('*')) continue;
    const pattern = new RegExp(
      `^${route.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '[^/]+')}/?$`,
    );
    if (pattern.test(path)) methods.add(route.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods];
}
