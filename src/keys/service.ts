import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, asc, count, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { apiKeys } from '../../db/schema/platform.js';
import { audit } from '../audit/index.js';
import { type Actor, type Ctx, type Role, type Verb, withTransaction } from '../context.js';
import { DomainError, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import { newId } from '../ids.js';
import { generateKeySecret, hashKeySecret, SECRET_PATTERN } from './secret.js';

export type ApiKey = typeof apiKeys.$inferSelect;

export function toKeyView(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    role: key.role as Role,
    prefix: key.prefix,
    created_at: key.createdAt.toISOString(),
    created_by: key.createdBy,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

async function insertKey(tx: Executor, name: string, role: Role, createdBy: string | null) {
  const secret = generateKeySecret();
  const [key] = await tx
    .insert(apiKeys)
    .values({ id: newId('key'), name, role, secretHash: hashKeySecret(secret), prefix: secret.slice(0, 12), createdBy })
    .returning();
  return { key: key!, secret };
}

/** Creates a key and returns its secret, which is never stored or shown again. */
export async function createKey({ ctx, input }: Verb<{ name: string; role: Role }>) {
  return withTransaction(ctx, async (tx) => {
    const created = await insertKey(tx, input.name, input.role, ctx.actor.keyId ?? ctx.actor.name);
    await audit(tx, ctx, {
      action: 'keys.create',
      target: created.key.id,
      details: { name: input.name, role: input.role },
    });
    return created;
  });
}

export async function listKeys(db: Executor) {
  return db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/** Revokes a key; revoking it again changes nothing. The last active admin key stays. */
export async function revokeKey({ ctx, input }: Verb<{ id: string }>) {
  return withTransaction(ctx, async (tx) => {
    // Lock the admins' rows too, so two concurrent revocations cannot remove the last admin.
    const [key] = await tx.select().from(apiKeys).where(eq(apiKeys.id, input.id)).for('update');
    if (!key) throw notFound(`API key ${input.id}`);
    if (key.revokedAt) return key;
    if (key.role === 'admin') {
      await tx.execute(sql`select id from api_keys where role = 'admin' and revoked_at is null for update`);
      const [others] = await tx
        .select({ n: count() })
        .from(apiKeys)
        .where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt), ne(apiKeys.id, key.id)));
      if (!others || others.n === 0) {
        throw new DomainError(
          'conflict',
          'this is the last active admin key; create another admin key before revoking it',
        );
      }
    }
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date(), revokedBy: ctx.actor.keyId ?? ctx.actor.name })
      .where(eq(apiKeys.id, key.id))
      .returning();
    await audit(tx, ctx, { action: 'keys.revoke', target: key.id, details: { name: key.name, role: key.role } });
    return revoked!;
  });
}

/** The actor a bearer secret stands for, or null when it is unknown or revoked. */
export async function authenticateSecret(db: Executor, secret: string): Promise<Actor | null> {
  if (!SECRET_PATTERN.test(secret)) return null;
  const [key] = await db
    .select({ id: apiKeys.id, role: apiKeys.role, name: apiKeys.name })
    .from(apiKeys)
    .where(and(eq(apiKeys.secretHash, hashKeySecret(secret)), isNull(apiKeys.revokedAt)));
  return key ? { keyId: key.id, role: key.role as Role, name: key.name } : null;
}

export const BOOTSTRAP_KEY_FILE = 'bootstrap-admin.key';

/**
 * On the very first start (no keys at all) creates one admin key and writes it to
 * DATA_DIR/bootstrap-admin.key, mode 0600. Returns the file path, or null if keys exist.
 */
export async function ensureBootstrapAdmin(db: Db, dataDir: string, log: Logger): Promise<string | null> {
  return db.transaction(async (tx) => {
    // Several instances may start at once on one server: one of them bootstraps.
    await tx.execute(sql`select pg_advisory_xact_lock(7307712)`);
    const [existing] = await tx.select({ n: count() }).from(apiKeys);
    if (existing && existing.n > 0) return null;
    const { key, secret } = await insertKey(tx, 'bootstrap admin', 'admin', 'system');
    const ctx: Ctx = { db, tx, actor: { keyId: null, role: 'system', name: 'system' }, requestId: 'bootstrap', log };
    await audit(tx, ctx, { action: 'keys.bootstrap', target: key.id });
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, BOOTSTRAP_KEY_FILE);
    writeFileSync(path, `${secret}\n`, { mode: 0o600 });
    chmodSync(path, 0o600); // mode is ignored when the file already existed
    log.warn({ path, key_id: key.id }, 'created the first admin API key; read it from this file, then delete the file');
    return path;
  });
}
