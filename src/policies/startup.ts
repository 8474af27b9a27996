import type { Db } from '../../db/client.js';
import { SYSTEM_ACTOR } from '../context.js';
import type { Logger } from '../logger.js';
import type { Policy } from './document.js';
import { loadPoliciesDir } from './load.js';
import { type SyncResult, syncPolicies } from './service.js';

/**
 * At start, before listening: loads and validates every policy file in dir and syncs them into
 * the database. Throws PolicyValidationError (file, field, reason for each problem) so that the
 * service refuses to start on an invalid policy or a changed key set.
 */
export async function loadAndSyncPolicies(db: Db, dir: string, log: Logger): Promise<SyncResult> {
  return syncLoadedPolicies(db, dir, loadPoliciesDir(dir), log);
}

/** The second half of loadAndSyncPolicies, for a server that validated the files before opening its database. */
export async function syncLoadedPolicies(db: Db, dir: string, loaded: Policy[], log: Logger): Promise<SyncResult> {
  const result = await syncPolicies({
    ctx: { db, actor: SYSTEM_ACTOR, requestId: 'startup', log },
    input: { policies: loaded },
  });
  log.info(
    {
      policies_dir: dir,
      policies: loaded.map((p) => `${p.id} (${p.network}, ${p.threshold}-of-${p.signers.length} ${p.script})`),
      ...result,
    },
    'custody policies loaded',
  );
  return result;
}
