import type { Db, Executor, Tx } from '../db/client.js';
import type { Logger } from './logger.js';

export const ROLES = ['admin', 'officer', 'approver', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: an API key's holder, the fleet (by webhook signature), or the system itself. */
export interface Actor {
  /** API key id, or null for the fleet and the system. */
  keyId: string | null;
  role: Role | 'fleet' | 'system' | 'cli' | 'anonymous';
  name: string;
}

export const SYSTEM_ACTOR: Actor = { keyId: null, role: 'system', name: 'system' };
export const FLEET_ACTOR: Actor = { keyId: null, role: 'fleet', name: 'fleet' };
/** An operator at the `reserve` command line, offline on the database (no API key). */
export const CLI_ACTOR: Actor = { keyId: null, role: 'cli', name: 'cli' };
/** Before authentication; routes that need a key refuse it (401). */
export const ANONYMOUS_ACTOR: Actor = { keyId: null, role: 'anonymous', name: 'anonymous' };

/** What every service verb receives: the database, who acts, and the request it serves. */
export interface Ctx {
  db: Db;
  /** Set while inside a transaction; nested verbs reuse it instead of opening another. */
  tx?: Tx;
  actor: Actor;
  requestId: string;
  /** The HTTP request being served (route pattern, not the raw path); absent for the CLI and jobs. */
  request?: { method: string; route: string };
  log: Logger;
  /** Set once a verb has written this request's audit row inside its transaction. */
  audited?: { done: boolean };
}

export interface Verb<I> {
  ctx: Ctx;
  input: I;
}

/** Runs fn in the caller's transaction when there is one, else in a new one. */
export async function withTransaction<T>(ctx: Ctx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (ctx.tx) return fn(ctx.tx);
  return ctx.db.transaction((tx) => fn(tx as Tx));
}

/** The executor for reads: the open transaction if any, else the database. */
export function executor(ctx: Ctx): Executor {
  return ctx.tx ?? ctx.db;
}

/** A ctx bound to an open transaction, for calling another module's service inside it. */
export function inTx(ctx: Ctx, tx: Tx): Ctx {
  return { ...ctx, tx };
}
