// GET /v1/transparency/* (auditors and admins), POST cosignatures (the witnesses: auditors) and
// checkpoints (admins), and each entry's receipt at /v1/ledger/entries/{seq}/receipt.
import { createRoute, z } from '@hono/zod-openapi';
import { bearerSecurity, requireRole } from '../../http/auth.js';
import { createRouter, errorResponses, jsonBody } from '../../http/env.js';
import { DomainError, invalid } from '../../errors.js';
import { type Ctx, executor } from '../../context.js';
import {
  addCosignatures,
  checkpointNote,
  CosignatureInput,
  cosignersOf,
  entryReceipt,
  latestCheckpoint,
  makeCheckpoint,
  treeStatus,
} from './log.js';
import { verifierKeyString } from './note.js';
import type { LogSetup } from './setup.js';
import { extendTo, ledgerSize, nodeRun, storedConsistency, storedInclusion, treeSize } from './store.js';
import { entryBundle, parseTilePath, TILE_HEIGHT, TILE_WIDTH, tileWidthAt } from './tiles.js';
import { canonicalBytes } from '../canonical.js';
import { toCanonical } from '../model.js';
import { readEntries } from '../service.js';
import { FOLLOW_INTERVAL_MS } from './job.js';

const auditor = requireRole('auditor');
const admin = requireRole('admin');
const count = (what: string) =>
  z.string().regex(/^(0|[1-9][0-9]{0,14})$/, `${what} must be a whole number without leading zeros`);
const positive = (what: string) => z.string().regex(/^[1-9][0-9]{0,14}$/, `${what} must be a positive whole number`);
const text = (description: string) => ({ description, content: { 'text/plain': { schema: z.string() } } });
const hex = z.string().regex(/^[0-9a-f]{64}$/);

const TreeSchema = z
  .object({
    tree_size: z.string(),
    ledger_size: z.string(),
    lag_entries: z.string(),
    follow_interval_ms: z.number(),
    checkpoint_size: z.string().nullable(),
    checkpoint_at: z.string().nullable(),
    checkpoint_interval_s: z.number(),
    checkpoint_cosigned_by: z.array(z.string()),
    origin: z.string(),
    log_key: z.string(),
    witnesses: z.array(z.string()),
    quorum: z.number(),
  })
  .strict()
  .openapi('TransparencyTree');

const keyRoute = createRoute({
  method: 'get',
  path: '/v1/transparency/key',
  tags: ['transparency'],
  summary: "The log's note verifier key: <name>+<hex key id>+<base64(0x01 || Ed25519 public key)>",
  security: bearerSecurity,
  middleware: [auditor] as const,
  responses: { 200: text('The verifier key, one line'), ...errorResponses(401, 403) },
});
const checkpointRoute = createRoute({
  method: 'get',
  path: '/v1/transparency/checkpoint',
  tags: ['transparency'],
  summary: 'The latest checkpoint (C2SP tlog-checkpoint) as a signed note with its witness cosignatures',
  security: bearerSecurity,
  middleware: [auditor] as const,
  responses: { 200: text('The signed checkpoint note'), ...errorResponses(401, 403, 404) },
});
const treeRoute = createRoute({
  method: 'get',
  path: '/v1/transparency/tree',
  tags: ['transparency'],
  summary: 'How far the tree follows the ledger, the latest checkpoint, and the keys',
  security: bearerSecurity,
  middleware: [auditor] as const,
  responses: {
    200: { description: 'Tree status', content: { 'application/json': { schema: TreeSchema } } },
    ...errorResponses(401, 403),
  },
});
const inclusionRoute = createRoute({
  method: 'get',
  path: '/v1/transparency/proof/inclusion',
  tags: ['transparency'],
  summary: 'RFC 9162 inclusion proof of entry seq (leaf index seq - 1) in the tree of size entries',
  security: bearerSecurity,
  middleware: [auditor] as const,
  request: {
    query: z.object({
      seq: positive('seq'),
      size: positive('size').optional().openapi({ description: 'Tree size; default: the latest checkpoint' }),
    }),
  },
  responses: {
    200: {
      description: 'The proof; hashes lowercase hex, from the leaf sibling up',
      content: {
        'application/json': {
          schema: z.strictObject({
            leaf_index: z.string(),
            tree_size: z.string(),
            leaf_hash: hex,
            root: hex,
            hashes: z.array(hex),
          }),
        },
      },
    },
    ...errorResponses(401, 403, 404, 422),
  },
});
const consistencyRoute = createRoute({
  method: 'get',
  path: '/v1/transparency/proof/consistency',
  tags: ['transparency'],
  summary: 'RFC 9162 consistency proof from tree size from to tree size to',
  security: bearerSecurity,
  middleware: [auditor] as const,
  request: { query: z.object({ from: count('from'), to: positive('to') }) },
  responses: {
    200: {
      description: 'The proof, hashes lowercase hex',
      content: {
        'application/json': { schema: z.strictObject({ from: z.string(), to: z.string(), hashes: z.array(hex) }) },
      },
    },
    ...errorResponses(401, 403, 422),
  },
});
const CheckpointMade = z.strictObject({ created: z.boolean(), size: z.string(), root: hex, note: z.string() });
const makeCheckpointRoute = createRoute({
  method: 'post',
  path: '/v1/transparency/checkpoints',
  tags: ['transparency'],
  summary: 'Sign a checkpoint now (when the ledger grew since the last one)',
  security: bearerSecurity,
  middleware: [admin] as const,
  responses: {
    200: {
      description: 'The latest checkpoint, made now or not',
      content: { 'application/json': { schema: CheckpointMade } },
    },
    ...errorResponses(401, 403, 409),
  },
});
const cosignRoute = createRoute({
  method: 'post',
  path: '/v1/transparency/cosignatures',
  tags: ['transparency'],
  summary: 'A witness posts its C2SP tlog-cosignature: the checkpoint note with its cosignature line',
  security: bearerSecurity,
  middleware: [auditor] as const,
  request: { body: jsonBody(CosignatureInput) },
  responses: {
    200: {
      description: 'The cosignatures accepted, and all the checkpoint has',
      content: {
        'application/json': {
          schema: z.strictObject({
            checkpoint_size: z.number(),
            accepted: z.array(z.string()),
            cosigned_by: z.array(z.string()),
            quorum: z.number(),
          }),
        },
      },
    },
    ...errorResponses(401, 403, 422),
  },
});
const receiptRoute = createRoute({
  method: 'get',
  path: '/v1/ledger/entries/{seq}/receipt',
  tags: ['transparency'],
  summary: "One entry's receipt (C2SP tlog-proof): the entry, its inclusion proof and the cosigned checkpoint",
  security: bearerSecurity,
  middleware: [auditor] as const,
  request: { params: z.object({ seq: positive('seq') }) },
  responses: { 200: text('A .tlog-proof file'), ...errorResponses(401, 403, 404, 422) },
});

const toHex = (b: Buffer) => b.toString('hex');

/** Brings the tree up to `size`, or says why it cannot hold that many entries. */
async function treeOf(db: Parameters<typeof treeSize>[0], size: number, field: string) {
  if ((await treeSize(db)) >= size) return;
  const ledger = await ledgerSize(db);
  if (size > ledger) throw invalid(field, `must be at most the ledger's size (${ledger})`);
  await extendTo(db, size);
}

/** tile/entries/<N>: the canonical bytes of entries seq first + 1 .. first + width, bundled. */
async function entriesTile(ctx: Ctx, first: number, width: number): Promise<Buffer> {
  const entries = await readEntries(ctx, { fromSeq: BigInt(first + 1), toSeq: BigInt(first + width), limit: width });
  if (entries.length !== width)
    throw new Error(`transparency: entries ${first + 1}-${first + width} are not all there`);
  try {
    return entryBundle(entries.map((e) => canonicalBytes(toCanonical(e))));
  } catch (error) {
    throw new DomainError('conflict', `this bundle cannot be served: ${(error as Error).message}`);
  }
}

export function transparencyRouter(setup: LogSetup) {
  const router = createRouter();
  router.openapi(keyRoute, (c) => c.text(`${verifierKeyString(setup.signer)}\n`, 200));
  router.openapi(checkpointRoute, async (c) => {
    const db = executor(c.var.ctx);
    const latest = await latestCheckpoint(db);
    if (!latest) throw new DomainError('not_found', 'no checkpoint has been signed yet');
    return c.text(await checkpointNote(db, latest), 200);
  });
  router.openapi(treeRoute, async (c) => {
    const db = executor(c.var.ctx);
    const status = await treeStatus(db, setup);
    const cosigned = status.checkpoint_size ? await cosignersOf(db, Number(status.checkpoint_size)) : [];
    return c.json({ ...status, follow_interval_ms: FOLLOW_INTERVAL_MS, checkpoint_cosigned_by: cosigned }, 200);
  });
  router.openapi(inclusionRoute, async (c) => {
    const q = c.req.valid('query');
    const db = executor(c.var.ctx);
    const size = q.size ? Number(q.size) : (await latestCheckpoint(db))?.size;
    if (size === undefined) throw new DomainError('not_found', 'no checkpoint yet: give size');
    const seq = Number(q.seq);
    if (seq > size) throw invalid('seq', `must be at most the tree size ${size}`);
    await treeOf(db, size, 'size');
    const proof = await storedInclusion(db, seq - 1, size);
    return c.json(
      {
        leaf_index: String(seq - 1),
        tree_size: String(size),
        leaf_hash: toHex(proof.leaf),
        root: toHex(proof.root),
        hashes: proof.path.map(toHex),
      },
      200,
    );
  });
  router.openapi(consistencyRoute, async (c) => {
    const q = c.req.valid('query');
    const db = executor(c.var.ctx);
    const [from, to] = [Number(q.from), Number(q.to)];
    if (from > to) throw invalid('from', 'must be at most to');
    await treeOf(db, to, 'to');
    const hashes = await storedConsistency(db, from, to);
    return c.json({ from: q.from, to: q.to, hashes: hashes.map(toHex) }, 200);
  });
  router.openapi(makeCheckpointRoute, async (c) => {
    const { created, checkpoint } = await makeCheckpoint(c.var.ctx, setup, { audited: true });
    const note = await checkpointNote(executor(c.var.ctx), checkpoint);
    return c.json({ created, size: String(checkpoint.size), root: toHex(checkpoint.root), note }, 200);
  });
  router.openapi(cosignRoute, async (c) =>
    c.json(await addCosignatures({ ctx: c.var.ctx, input: c.req.valid('json') }, setup), 200),
  );
  router.openapi(receiptRoute, async (c) => {
    const receipt = await entryReceipt(c.var.ctx, BigInt(c.req.valid('param').seq));
    return c.text(receipt, 200, { 'content-disposition': 'attachment; filename="entry.tlog-proof"' });
  });
  // tlog-tiles: /v1/transparency/tile/<L>/<N>[.p/<W>], the hashes of tree level 8L, 32 bytes each;
  // tile/entries/<N>[.p/<W>], the entries' canonical bytes (the leaves' preimages).
  router.get('/v1/transparency/tile/*', auditor, async (c) => {
    const rest = c.req.path.slice('/v1/transparency/tile/'.length);
    const tile = parseTilePath(rest);
    if (!tile) throw invalid('path', 'must be tile/<L>/<N>[.p/<W>] as C2SP tlog-tiles writes it');
    const db = executor(c.var.ctx);
    const available = tileWidthAt(tile.level === 'entries' ? 0 : tile.level, tile.index, await treeSize(db));
    if (available < tile.width) throw new DomainError('not_found', `tile ${rest} is not in the tree yet`);
    const first = tile.index * TILE_WIDTH;
    const bytes =
      tile.level === 'entries'
        ? await entriesTile(c.var.ctx, first, tile.width)
        : Buffer.concat(await nodeRun(db, tile.level * TILE_HEIGHT, first, tile.width));
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': 'application/octet-stream',
      'cache-control': tile.width === TILE_WIDTH ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  });
  return router;
}
