import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { bodyLimitByHeader, rawBody } from '../http/body.js';
import { createRouter, errorResponses, ProblemSchema } from '../http/env.js';
import { FleetAnswerSchema, UtxoDetailSchema, UtxoSchema } from './schemas.js';
import { decodeCursor, page, pageQuery, pageSchema } from '../http/pagination.js';
import { DomainError } from '../errors.js';
import { getTip } from '../chain/index.js';
import { COIN_STATUSES, getUtxo, listUtxos, toUtxoView } from '../coins/index.js';
import { createFleetVerifier } from './signature.js';
import { ingestDelivery } from './webhook.js';
import { SignatureWatch, type SignatureWatchOptions } from '../alerts/index.js';
import { countDelivery, deliveryOutcome } from '../http/metrics.js';
import { statusOf } from '../http/problem.js';
import { EVENT_TYPES } from './events.js';
import { isDatabaseUnavailable } from '../../db/client.js';

export interface PayoutsRouterOptions {
  /** `whsec_` secrets; any may sign (several during a rotation). Empty: every delivery is refused. */
  secrets: readonly string[];
  bodyLimitBytes: number;
  /** Refused signatures that raise webhook.signature_failures (default 10 within 300 s). */
  signatureAlert?: SignatureWatchOptions;
}

/** The event type for the deliveries metric: a known type, else `unknown` (bounded labels). */
function typeOf(body: string): string {
  try {
    const type = (JSON.parse(body) as { type?: unknown }).type;
    return (EVENT_TYPES as readonly unknown[]).includes(type) ? (type as string) : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The status a refused delivery is answered with, for the metric. */
function statusOfError(error: unknown): number {
  if (error instanceof DomainError) return statusOf(error);
  return isDatabaseUnavailable(error) ? 503 : 500;
}

const problemJson = { 'application/problem+json': { schema: ProblemSchema } };
/** A payout contradicting one recorded names the facts that differ. */
const conflictJson = {
  'application/problem+json': {
    schema: ProblemSchema.extend({ differing_fields: z.array(z.string()).optional() }).openapi('FleetConflict'),
  },
};

const fleetWebhookRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/fleet',
  tags: ['fleet'],
  summary:
    'Fleet events (Standard Webhooks): payout.received, block.connected, block.disconnected, production.reported',
  description:
    'Authenticated only by its `webhook-signature` (HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<raw body>`, ' +
    'Standard Webhooks), checked on the raw bytes before anything is parsed. The body is `{type, timestamp, data}`, at most 256 KiB. ' +
    'The webhook-id is the idempotency key: the same id and body again returns the original answer; another body under it is 409. See docs/webhook.md.',
  request: {
    headers: z.object({
      'webhook-id': z.string().optional().openapi({ example: 'msg_2Lh9JUv0yJkWq3' }),
      'webhook-timestamp': z.string().optional().openapi({ example: '1795790000' }),
      'webhook-signature': z
        .string()
        .optional()
        .openapi({ example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=' }),
    }),
  },
  responses: {
    200: {
      description: 'Applied (or applied before: the stored answer)',
      content: { 'application/json': { schema: FleetAnswerSchema } },
    },
    401: { description: 'Missing, malformed, stale or wrong signature; nothing written', content: problemJson },
    409: {
      description: 'webhook-id reused with another body, or a payout contradicting one already recorded',
      content: conflictJson,
    },
    ...errorResponses(400, 413, 415, 422),
  },
});

const readers = requireRole('officer', 'approver', 'auditor');

const listUtxosRoute = createRoute({
  method: 'get',
  path: '/v1/utxos',
  tags: ['utxos'],
  summary: 'The coins the fleet reported, by outpoint, with their state',
  security: bearerSecurity,
  middleware: [readers] as const,
  request: {
    query: z.object({
      policy_id: z.string().max(64).optional(),
      status: z.enum(COIN_STATUSES, { message: `must be one of ${COIN_STATUSES.join(', ')}` }).optional(),
      site_id: z.string().max(64).optional(),
      ...pageQuery,
    }),
  },
  responses: {
    200: {
      description: 'A page of UTXOs',
      content: { 'application/json': { schema: pageSchema(UtxoSchema).extend({ tip_height: z.number().nullable() }) } },
    },
    ...errorResponses(401, 403, 422),
  },
});

const getUtxoRoute = createRoute({
  method: 'get',
  path: '/v1/utxos/{txid}/{vout}',
  tags: ['utxos'],
  summary: 'One UTXO with its history of states and the ledger entries that booked them',
  security: bearerSecurity,
  middleware: [readers] as const,
  request: {
    params: z.object({
      txid: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters'),
      vout: z
        .string()
        // abort: zod 4 runs a refine after a failed regex, and BigInt('x') would throw (a 500).
        .regex(/^(0|[1-9][0-9]{0,9})$/, { message: 'must be an output index', abort: true })
        .refine((v) => BigInt(v) <= 4_294_967_295n, 'must be at most 4294967295'),
    }),
  },
  responses: {
    200: { description: 'The UTXO', content: { 'application/json': { schema: UtxoDetailSchema } } },
    ...errorResponses(401, 403, 404, 422),
  },
});

const tipRoute = createRoute({
  method: 'get',
  path: '/v1/chain/tip',
  tags: ['utxos'],
  summary: 'The highest connected block the fleet has reported',
  security: bearerSecurity,
  middleware: [readers] as const,
  responses: {
    200: {
      description: 'The tip (nulls before any block)',
      content: {
        'application/json': { schema: z.strictObject({ height: z.number().nullable(), hash: z.string().nullable() }) },
      },
    },
    ...errorResponses(401, 403),
  },
});

const utxoCursor = z.object({ txid: z.string().regex(/^[0-9a-f]{64}$/), vout: z.string().regex(/^[0-9]{1,10}$/) });

export function payoutsRouter(options: PayoutsRouterOptions) {
  const router = createRouter();
  const verifier = createFleetVerifier(options.secrets);
  const watch = new SignatureWatch(options.signatureAlert ?? { threshold: 10, windowS: 300 });
  const limit = bodyLimitByHeader({
    maxSize: options.bodyLimitBytes,
    onError: () => {
      throw new DomainError(
        'payload_too_large',
        `the webhook body is over the limit of ${options.bodyLimitBytes} bytes`,
      );
    },
  });

  router.use('/v1/webhooks/fleet', limit);
  router.openapi(fleetWebhookRoute, async (c) => {
    const raw = await rawBody(c);
    let delivery: ReturnType<typeof verifier.verify>;
    try {
      delivery = verifier.verify(raw, {
        id: c.req.header('webhook-id'),
        timestamp: c.req.header('webhook-timestamp'),
        signature: c.req.header('webhook-signature'),
      });
    } catch (error) {
      countDelivery(c.var.ctx.db, 'unknown', 'unauthorized');
      if (error instanceof DomainError) await watch.record(c.var.ctx.db, error.detail).catch(() => null);
      throw error;
    }
    const seen: { type?: string } = {};
    const answer = await ingestDelivery(c.var.ctx, delivery, seen).catch((error: unknown) => {
      countDelivery(c.var.ctx.db, seen.type ?? typeOf(delivery.body), deliveryOutcome(statusOfError(error), false));
      throw error;
    });
    countDelivery(c.var.ctx.db, seen.type ?? typeOf(delivery.body), deliveryOutcome(answer.status, answer.replayed));
    const headers: Record<string, string> = {
      'content-type': answer.status < 300 ? 'application/json' : 'application/problem+json',
    };
    if (answer.replayed) headers['webhook-replayed'] = 'true';
    return c.body(answer.body, answer.status as 200, headers) as never;
  });

  router.openapi(listUtxosRoute, async (c) => {
    const query = c.req.valid('query');
    const after = decodeCursor(query.cursor, utxoCursor);
    const { rows, tipHeight } = await listUtxos(c.var.ctx, {
      policyId: query.policy_id,
      status: query.status,
      siteId: query.site_id,
      after: after ? { txid: after.txid, vout: BigInt(after.vout) } : undefined,
      limit: query.limit,
    });
    const { items, next_cursor } = page(rows, query.limit, (row) => ({ txid: row.txid, vout: row.vout.toString() }));
    return c.json({ items: items.map((row) => toUtxoView(row, tipHeight)), next_cursor, tip_height: tipHeight }, 200);
  });
  router.openapi(getUtxoRoute, async (c) => {
    const { txid, vout } = c.req.valid('param');
    return c.json(await getUtxo(c.var.ctx, txid.toLowerCase(), BigInt(vout)), 200);
  });
  router.openapi(tipRoute, async (c) => c.json(await getTip(c.var.ctx), 200));
  return router;
}
