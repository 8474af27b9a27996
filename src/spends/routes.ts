// /v1/spends: proposals (officer), approvals (approver), signatures (officer, approver), the PSBT and the
// raw transaction, broadcast reports and cancellation. Routes parse, authorise, call a verb, shape the answer.
import { createRoute, z } from '@hono/zod-openapi';
import { SPEND_STATES } from '../../db/schema/spends.js';
import { executor } from '../context.js';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses, jsonBody } from '../http/env.js';
import { decodeCursor, page, pageQuery, pageSchema } from '../http/pagination.js';
import { DomainError, invalid } from '../errors.js';
import { approveSpend } from './approve.js';
import { cancelSpend, reportBroadcast, spendTransaction } from './lifecycle.js';
import { ApproveSpendInput, ProposeSpendInput } from './model.js';
import { proposeSpend } from './propose.js';
import { MAX_PSBT_BYTES, submitSignatures } from './signatures.js';
import { listSpendRows, readSpend, recordsOf } from './store.js';
import { SpendSchema, toSpendView } from './views.js';

const idParam = z.object({ id: z.string().regex(/^spd_[0-9a-f]{20}$/, 'must be a spend id (spd_...)') });
const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const spendAnswer = (description: string) => ({ description, content: json(SpendSchema) });
const readers = ['officer', 'approver', 'auditor'] as const;

const proposeRoute = createRoute({
  method: 'post',
  path: '/v1/spends',
  tags: ['spends'],
  summary: "Propose a spend under the vault's rules; its coins are locked",
  security: bearerSecurity,
  middleware: [requireRole('officer')] as const,
  request: { body: jsonBody(ProposeSpendInput) },
  responses: { 201: spendAnswer('Proposed'), ...errorResponses(401, 403, 404, 409, 422) },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/spends',
  tags: ['spends'],
  summary: 'Spends, newest first, cursor-paginated',
  security: bearerSecurity,
  middleware: [requireRole(...readers)] as const,
  request: {
    query: z.strictObject({
      ...pageQuery,
      state: z.enum(SPEND_STATES).optional(),
      policy_id: z.string().max(64).optional(),
    }),
  },
  responses: {
    200: { description: 'A page', content: json(pageSchema(SpendSchema)) },
    ...errorResponses(401, 403, 422),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/spends/{id}',
  tags: ['spends'],
  summary: 'One spend',
  security: bearerSecurity,
  middleware: [requireRole(...readers)] as const,
  request: { params: idParam },
  responses: { 200: spendAnswer('The spend'), ...errorResponses(401, 403, 404, 422) },
});

const psbtRoute = createRoute({
  method: 'get',
  path: '/v1/spends/{id}/psbt',
  tags: ['spends'],
  summary: 'The current combined PSBT (binary .psbt, or ?format=base64 as JSON)',
  security: bearerSecurity,
  middleware: [requireRole(...readers)] as const,
  request: { params: idParam, query: z.strictObject({ format: z.enum(['binary', 'base64']).optional() }) },
  responses: {
    200: {
      description: 'The PSBT',
      content: {
        'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
        'application/json': { schema: z.strictObject({ psbt: z.string() }) },
      },
    },
    ...errorResponses(401, 403, 404, 422),
  },
});

const approveRoute = createRoute({
  method: 'post',
  path: '/v1/spends/{id}/approvals',
  tags: ['spends'],
  summary: 'Approve or reject the spend, naming the digest you saw; not by its proposer',
  security: bearerSecurity,
  middleware: [requireRole('approver')] as const,
  request: { params: idParam, body: jsonBody(ApproveSpendInput) },
  responses: { 200: spendAnswer('Decided'), ...errorResponses(401, 403, 404, 409, 422) },
});

const signaturesRoute = createRoute({
  method: 'post',
  path: '/v1/spends/{id}/signatures',
  tags: ['spends'],
  summary: 'Upload a PSBT a signer returned (application/octet-stream, or JSON { psbt } in base64)',
  security: bearerSecurity,
  middleware: [requireRole('officer', 'approver')] as const,
  request: { params: idParam },
  responses: {
    200: spendAnswer('Accepted (or already held)'),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
  },
});

const transactionRoute = createRoute({
  method: 'get',
  path: '/v1/spends/{id}/transaction',
  tags: ['spends'],
  summary: 'The signed raw transaction, once signed and the delay has passed',
  security: bearerSecurity,
  middleware: [requireRole('officer', 'approver', 'auditor')] as const,
  request: { params: idParam },
  responses: {
    200: {
      description: 'The raw transaction',
      content: json(
        z.strictObject({ txid: z.string(), raw_tx_hex: z.string(), vsize: z.number().int(), fee_sat: z.string() }),
      ),
    },
    ...errorResponses(401, 403, 404, 409, 422),
  },
});

const broadcastRoute = createRoute({
  method: 'post',
  path: '/v1/spends/{id}/broadcast',
  tags: ['spends'],
  summary: 'Report that the transaction was sent from your own node',
  security: bearerSecurity,
  middleware: [requireRole('officer')] as const,
  request: { params: idParam },
  responses: { 200: spendAnswer('Broadcast'), ...errorResponses(401, 403, 404, 409, 422) },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/v1/spends/{id}/cancel',
  tags: ['spends'],
  summary: 'Cancel a spend before broadcast; its coins are released',
  security: bearerSecurity,
  middleware: [requireRole('officer')] as const,
  request: { params: idParam },
  responses: { 200: spendAnswer('Cancelled'), ...errorResponses(401, 403, 404, 409, 422) },
});

const cursorSchema = z.object({ at: z.iso.datetime(), id: z.string().max(40) });

/** The combined PSBT: the one built, with every kept signer PSBT merged in. */
async function combinedPsbt(ctx: Parameters<typeof readSpend>[0], id: string) {
  const { Psbt } = await import('bitcoinjs-lib');
  const record = await readSpend(ctx, id);
  const psbt = Psbt.fromBase64(record.spend.psbtBase64);
  for (const upload of record.uploads) {
    const theirs = Psbt.fromBase64(upload.psbtBase64);
    theirs.data.inputs.forEach((input, i) => {
      const sigs = (input.partialSig ?? []).filter(
        (s) => !(psbt.data.inputs[i]!.partialSig ?? []).some((p) => Buffer.compare(p.pubkey, s.pubkey) === 0),
      );
      if (sigs.length > 0) psbt.data.inputs[i]!.partialSig = [...(psbt.data.inputs[i]!.partialSig ?? []), ...sigs];
    });
  }
  return { record, psbt };
}

async function psbtBody(c: { req: { header(name: string): string | undefined; arrayBuffer(): Promise<ArrayBuffer> } }) {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const raw = new Uint8Array(await c.req.arrayBuffer());
  if (raw.length > MAX_PSBT_BYTES)
    throw new DomainError('payload_too_large', `a PSBT is at most ${MAX_PSBT_BYTES} bytes`);
  if (type === 'application/octet-stream') return raw;
  if (type !== 'application/json')
    throw new DomainError(
      'unsupported_media_type',
      'send the PSBT as application/octet-stream or JSON { "psbt": "<base64>" }',
    );
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw new DomainError('malformed_json', 'the request body is not valid JSON');
  }
  const parsed = z
    .strictObject({
      psbt: z
        .string()
        .min(1)
        .max(MAX_PSBT_BYTES * 2),
    })
    .safeParse(body);
  if (!parsed.success || !/^[A-Za-z0-9+/]+={0,2}$/.test(parsed.data.psbt))
    throw invalid('psbt', 'must be a base64 PSBT');
  return new Uint8Array(Buffer.from(parsed.data.psbt, 'base64'));
}

export function spendsRouter() {
  const router = createRouter();
  router.openapi(proposeRoute, async (c) =>
    c.json(toSpendView(await proposeSpend({ ctx: c.var.ctx, input: c.req.valid('json') })), 201),
  );
  router.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor, cursorSchema);
    const db = executor(c.var.ctx);
    const rows = await listSpendRows(db, {
      state: q.state,
      policyId: q.policy_id,
      after: after ? { at: new Date(after.at), id: after.id } : undefined,
      limit: q.limit + 1,
    });
    const result = page(rows, q.limit, (r) => ({ at: r.createdAt.toISOString(), id: r.id }));
    return c.json(
      { items: (await recordsOf(db, result.items)).map(toSpendView), next_cursor: result.next_cursor },
      200,
    );
  });
  router.openapi(getRoute, async (c) =>
    c.json(toSpendView(await readSpend(executor(c.var.ctx), c.req.valid('param').id)), 200),
  );
  router.openapi(psbtRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { psbt } = await combinedPsbt(executor(c.var.ctx), id);
    if (c.req.valid('query').format === 'base64') return c.json({ psbt: psbt.toBase64() }, 200);
    return c.body(new Uint8Array(psbt.toBuffer()), 200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${id}.psbt"`,
    }) as never;
  });
  router.openapi(approveRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(toSpendView(await approveSpend({ ctx: c.var.ctx, input: { id, body: c.req.valid('json') } })), 200);
  });
  router.openapi(signaturesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { record } = await submitSignatures({ ctx: c.var.ctx, input: { id, psbt: await psbtBody(c) } });
    return c.json(toSpendView(record), 200);
  });
  router.openapi(transactionRoute, async (c) =>
    c.json(
      await spendTransaction(c.var.ctx, c.req.valid('param').id).then((t) => ({ ...t, fee_sat: t.fee_sat.toString() })),
      200,
    ),
  );
  router.openapi(broadcastRoute, async (c) =>
    c.json(toSpendView(await reportBroadcast({ ctx: c.var.ctx, input: c.req.valid('param') })), 200),
  );
  router.openapi(cancelRoute, async (c) =>
    c.json(toSpendView(await cancelSpend({ ctx: c.var.ctx, input: c.req.valid('param') })), 200),
  );
  return router;
}
