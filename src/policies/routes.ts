import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../http/auth.js';
import { createRouter, errorResponses, jsonBody } from '../http/env.js';
import { MAX_ADDRESS_LENGTH } from '../bitcoin/address.js';
import { caravanConfig } from './caravan.js';
import { coreExport } from './core-export.js';
import { policyDescriptors } from './descriptor.js';
import { decodeCursor, encodeCursor, pageQuery } from '../http/pagination.js';
import { listAddressPage, MAX_ADDRESS_INDEX } from './address-page.js';
import { issueAddress, resolveAddress } from './addresses.js';
import { documentOf, getPolicy, listPolicies } from './service.js';
import { notFound } from '../errors.js';
import { toListedView, toPolicyView, toResolvedView } from './views.js';

const reader = requireRole('officer', 'approver', 'auditor');
const officer = requireRole('officer');
const PolicyId = z.object({ id: z.string().max(64).openapi({ example: 'regtest-cold' }) });
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });

const Derivation = z.object({ fingerprint: z.string(), path: z.string(), pubkey: z.string() }).strict();
const Signer = z.object({ name: z.string(), fingerprint: z.string(), path: z.string(), xpub: z.string() }).strict();
const PolicyView = z
  .object({
    id: z.string(),
    name: z.string(),
    network: z.enum(['bitcoin', 'testnet', 'signet', 'regtest']),
    script: z.enum(['p2wsh', 'p2sh-p2wsh']),
    threshold: z.number().int(),
    signer_count: z.number().int(),
    m_of_n: z.string().openapi({ example: '2-of-3' }),
    signers: z.array(Signer),
    tier: z.enum(['cold', 'warm', 'hot']),
    spending: z
      .object({
        approvals: z.number().int(),
        per_tx_limit_sat: z.string(),
        per_tx_limit_btc: z.string(),
        daily_limit_sat: z.string(),
        daily_limit_btc: z.string(),
        allowed_destinations: z.array(z.string()),
        delay_hours: z.number().int(),
      })
      .strict(),
    gap_limit: z.number().int(),
    version: z.number().int(),
    content_hash: z.string(),
    descriptor: z.string().openapi({ description: 'Multipath descriptor <0;1>/* with its BIP-380 checksum' }),
    active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .strict()
  .openapi('Policy');
const AddressView = z
  .object({
    address: z.string(),
    policy_id: z.string(),
    network: z.string(),
    chain: z.number().int(),
    index: z.number().int(),
    state: z.enum(['unissued', 'issued', 'derived', 'used']),
    label: z.string().nullable(),
    site: z.string().nullable().optional(),
    pool: z.string().nullable().optional(),
    purpose: z.string().nullable().optional(),
    script_pub_key: z.string(),
    witness_script: z.string(),
    redeem_script: z.string().nullable(),
    bip32_derivations: z.array(Derivation),
  })
  .strict()
  .openapi('PolicyAddress');
// What caravanConfig and coreImportDescriptors write.
const CaravanWallet = z
  .object({
    name: z.string(),
    addressType: z.enum(['P2WSH', 'P2SH-P2WSH']),
    network: z.enum(['mainnet', 'testnet', 'signet', 'regtest']),
    quorum: z.object({ requiredSigners: z.number().int(), totalSigners: z.number().int() }).strict(),
    extendedPublicKeys: z.array(
      z.object({ name: z.string(), bip32Path: z.string(), xpub: z.string(), xfp: z.string() }).strict(),
    ),
    startingAddressIndex: z.number().int(),
  })
  .strict()
  .openapi('CaravanWallet');
const CoreImportDescriptors = z
  .array(
    z
      .object({
        desc: z.string(),
        timestamp: z.union([z.number().int(), z.literal('now')]),
        active: z.literal(true),
        range: z.tuple([z.number().int(), z.number().int()]),
        internal: z.boolean(),
      })
      .strict(),
  )
  .openapi('CoreImportDescriptors', { description: 'The argument of Bitcoin Core importdescriptors' });
const labelText = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const IssueAddressBody = z
  .object({
    label: labelText(200).openapi({ example: 'site-7/pool-a/payouts' }),
    site: labelText(100).optional(),
    pool: labelText(100).optional(),
    purpose: labelText(200).optional(),
    force: z
      .boolean({ message: 'must be true or false' })
      .optional()
      .openapi({ description: 'Issue past the gap limit (admin only)' }),
  })
  .strict()
  .openapi('IssueAddress');
// The addresses listing's cursor: the index its next page starts at.
const addressCursor = z.object({
  index: z
    .string()
    .regex(/^\d{1,10}$/)
    .refine((v) => Number(v) <= MAX_ADDRESS_INDEX),
});

const routes = {
  list: createRoute({
    method: 'get',
    path: '/v1/policies',
    tags: ['policies'],
    summary: 'Custody policies with m-of-n, signers, tier, rules and version',
    security: bearerSecurity,
    middleware: [reader] as const,
    responses: {
      200: json(z.object({ items: z.array(PolicyView) }).strict(), 'Policies'),
      ...errorResponses(401, 403),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/v1/policies/{id}',
    tags: ['policies'],
    summary: 'One custody policy',
    security: bearerSecurity,
    middleware: [reader] as const,
    request: { params: PolicyId },
    responses: { 200: json(PolicyView, 'Policy'), ...errorResponses(401, 403, 404) },
  }),
  descriptor: createRoute({
    method: 'get',
    path: '/v1/policies/{id}/descriptor',
    tags: ['policies'],
    summary: 'Receive, change and multipath output descriptors with BIP-380 checksums',
    security: bearerSecurity,
    middleware: [reader] as const,
    request: { params: PolicyId },
    responses: {
      200: json(
        z.object({ policy_id: z.string(), receive: z.string(), change: z.string(), multipath: z.string() }).strict(),
        'Descriptors',
      ),
      ...errorResponses(401, 403, 404),
    },
  }),
  export: createRoute({
    method: 'get',
    path: '/v1/policies/{id}/export',
    tags: ['policies'],
    summary:
      'Wallet export: format=caravan (a Caravan wallet configuration), format=core (Bitcoin Core importdescriptors)',
    security: bearerSecurity,
    middleware: [reader] as const,
    request: {
      params: PolicyId,
      query: z.object({ format: z.enum(['caravan', 'core'], { message: 'must be caravan or core' }) }),
    },
    responses: {
      200: json(z.union([CaravanWallet, CoreImportDescriptors]), 'Wallet configuration'),
      ...errorResponses(401, 403, 404, 422),
    },
  }),
  issue: createRoute({
    method: 'post',
    path: '/v1/policies/{id}/addresses',
    tags: ['policies'],
    summary: 'Issue the next unused receive address under a label (idempotent per label)',
    security: bearerSecurity,
    middleware: [officer] as const,
    request: { params: PolicyId, body: jsonBody(IssueAddressBody) },
    responses: {
      201: json(AddressView, 'Issued'),
      200: json(AddressView, 'Already issued under this label'),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
    },
  }),
  addresses: createRoute({
    method: 'get',
    path: '/v1/policies/{id}/addresses',
    tags: ['policies'],
    summary:
      "Derived addresses of one chain in index order, with their state: from index 0 to gap_limit past the highest index the reserve knows on that chain (the reach a wallet with the policy's gap limit watches)",
    security: bearerSecurity,
    middleware: [reader] as const,
    request: {
      params: PolicyId,
      query: z.object({
        chain: z.enum(['0', '1'], { message: 'must be 0 (receive) or 1 (change)' }).default('0'),
        ...pageQuery,
      }),
    },
    responses: {
      200: json(
        z
          .object({
            policy_id: z.string(),
            chain: z.number().int(),
            reach_end: z.number().int().openapi({
              description: 'The last index of the reach: gap_limit past the highest index known on this chain',
            }),
            items: z.array(AddressView),
            next_cursor: z.string().nullable(),
          })
          .strict()
          .openapi('PolicyAddressPage'),
        'Addresses',
      ),
      ...errorResponses(401, 403, 404, 422),
    },
  }),
  resolve: createRoute({
    method: 'get',
    path: '/v1/addresses/{address}',
    tags: ['policies'],
    summary: 'Which policy, chain and index an address has, its witness script and state',
    security: bearerSecurity,
    middleware: [reader] as const,
    request: {
      params: z.object({
        address: z.string().max(MAX_ADDRESS_LENGTH, `must be at most ${MAX_ADDRESS_LENGTH} characters`),
      }),
    },
    responses: { 200: json(AddressView, 'Address'), ...errorResponses(401, 403, 404, 422) },
  }),
};

export function policiesRouter() {
  const router = createRouter();
  router.openapi(routes.list, async (c) => c.json({ items: (await listPolicies(c.var.ctx)).map(toPolicyView) }, 200));
  router.openapi(routes.get, async (c) =>
    c.json(toPolicyView(await getPolicy(c.var.ctx, c.req.valid('param').id)), 200),
  );
  router.openapi(routes.descriptor, async (c) => {
    const policy = await getPolicy(c.var.ctx, c.req.valid('param').id);
    return c.json({ policy_id: policy.id, ...policyDescriptors(documentOf(policy)) }, 200);
  });
  router.openapi(routes.export, async (c) => {
    const policy = await getPolicy(c.var.ctx, c.req.valid('param').id);
    if (c.req.valid('query').format === 'caravan') return c.json(caravanConfig(documentOf(policy)), 200);
    return c.json(await coreExport(c.var.ctx, policy), 200);
  });
  router.openapi(routes.issue, async (c) => {
    const body = c.req.valid('json');
    const { address, created } = await issueAddress({
      ctx: c.var.ctx,
      input: { policyId: c.req.valid('param').id, ...body },
    });
    return c.json(
      toResolvedView(address, { site: body.site ?? null, pool: body.pool ?? null, purpose: body.purpose ?? null }),
      created ? 201 : 200,
    );
  });
  router.openapi(routes.addresses, async (c) => {
    const query = c.req.valid('query');
    const chain = Number(query.chain) as 0 | 1;
    const after = decodeCursor(query.cursor, addressCursor);
    const { policy, items, reachEnd, nextStart } = await listAddressPage(c.var.ctx, {
      policyId: c.req.valid('param').id,
      chain,
      start: after ? Number(after.index) : 0,
      limit: query.limit,
    });
    return c.json(
      {
        policy_id: policy.id,
        chain,
        reach_end: reachEnd,
        items: items.map((i) => toListedView(policy, i.derived, i.row)),
        next_cursor: nextStart === null ? null : encodeCursor({ index: String(nextStart) }),
      },
      200,
    );
  });
  router.openapi(routes.resolve, async (c) => {
    const { address } = c.req.valid('param');
    const resolved = await resolveAddress(c.var.ctx, address);
    if (!resolved) throw notFound(`address ${address} in any custody policy of this reserve`);
    return c.json(toResolvedView(resolved), 200);
  });
  return router;
}
