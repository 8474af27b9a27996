// Console sessions: a random id in an HttpOnly cookie, only its SHA-256 in the database, with an
// idle and an absolute expiry. The key behind a session is re-checked on every request (one join),
// so revoking a key ends its sessions at once, on every instance.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, count, eq, gte, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { consoleSessions, consoleSignInFailures } from '../../db/schema/console.js';
import { apiKeys } from '../../db/schema/platform.js';
import type { Actor, Role } from '../context.js';

export const SESSION_COOKIE = 'rsv_session';
export const LOGIN_CSRF_COOKIE = 'rsv_login_csrf';
/** Idle timeout: a session unused this long is over. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** Absolute lifetime from sign-in, however busy the session is. */
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;
/** last_seen_at is written at most this often, so that reading pages does not write a row each time. */
const TOUCH_EVERY_MS = 60_000;
/** Failed sign-ins allowed per client address within the window before it is refused with 429. */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export const hashSessionId = (id: string) => createHash('sha256').update(id).digest('hex');

/** The CSRF token of a session: an HMAC of a fixed label under the session's secret id, never stored. */
export function csrfTokenOf(sessionId: string): string {
  return createHmac('sha256', sessionId).update('reserve console csrf v1').digest('base64url');
}

export function sameToken(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const newRandomToken = () => randomBytes(32).toString('base64url');

export async function createSession(db: Executor, keyId: string, address: string, now = new Date()) {
  const id = newRandomToken();
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
  await db
    .insert(consoleSessions)
    .values({ idHash: hashSessionId(id), keyId, createdAt: now, lastSeenAt: now, expiresAt, address });
  return { id, expiresAt };
}

export type SessionState =
  | { state: 'ok'; actor: Actor; csrf: string; expiresAt: Date }
  | { state: 'expired' | 'revoked' | 'unknown' };

/** The session behind a cookie value; an expired or revoked one is deleted on sight. */
export async function readSession(db: Executor, id: string | undefined, now = new Date()): Promise<SessionState> {
  if (!id || !SESSION_ID.test(id)) return { state: 'unknown' };
  const idHash = hashSessionId(id);
  const [row] = await db
    .select({
      keyId: consoleSessions.keyId,
      lastSeenAt: consoleSessions.lastSeenAt,
      expiresAt: consoleSessions.expiresAt,
      role: apiKeys.role,
      name: apiKeys.name,
      revokedAt: apiKeys.revokedAt,
    })
    .from(consoleSessions)
    .innerJoin(apiKeys, eq(apiKeys.id, consoleSessions.keyId))
    .where(eq(consoleSessions.idHash, idHash));
  if (!row) return { state: 'unknown' };
  const idleEnd = row.lastSeenAt.getTime() + SESSION_IDLE_MS;
  if (row.revokedAt || row.expiresAt <= now || idleEnd <= now.getTime()) {
    await db.delete(consoleSessions).where(eq(consoleSessions.idHash, idHash));
    return { state: row.revokedAt ? 'revoked' : 'expired' };
  }
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_EVERY_MS)
    await db.update(consoleSessions).set({ lastSeenAt: now }).where(eq(consoleSessions.idHash, idHash));
  return {
    state: 'ok',
    actor: { keyId: row.keyId, role: row.role as Role, name: row.name },
    csrf: csrfTokenOf(id),
    expiresAt: row.expiresAt,
  };
}

export async function endSession(db: Executor, id: string | undefined): Promise<void> {
  if (!id || !SESSION_ID.test(id)) return;
  await db.delete(consoleSessions).where(eq(consoleSessions.idHash, hashSessionId(id)));
}

/** Failed sign-ins from an address within the window; old rows are pruned on the way. */
export async function recentFailures(db: Executor, address: string, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - SIGN_IN_WINDOW_MS);
  await db.delete(consoleSignInFailures).where(lt(consoleSignInFailures.at, since));
  const [row] = await db
    .select({ n: count() })
    .from(consoleSignInFailures)
    .where(and(eq(consoleSignInFailures.address, address), gte(consoleSignInFailures.at, since)));
  return row?.n ?? 0;
}

export async function recordFailure(db: Executor, address: string, now = new Date()): Promise<void> {
  await db.insert(consoleSignInFailures).values({ address, at: now });
}

/** Seconds until the oldest failure in the window leaves it (for Retry-After). */
export async function retryAfterSeconds(db: Executor, address: string, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - SIGN_IN_WINDOW_MS);
  const [row] = await db
    .select({ oldest: sql<string>`min(${consoleSignInFailures.at})` })
    .from(consoleSignInFailures)
    .where(and(eq(consoleSignInFailures.address, address), gte(consoleSignInFailures.at, since)));
  const oldest = row?.oldest ? new Date(row.oldest).getTime() : now.getTime();
  return Math.max(1, Math.ceil((oldest + SIGN_IN_WINDOW_MS - now.getTime()) / 1000));
}
