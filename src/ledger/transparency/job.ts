// The follower and the checkpointer: every FOLLOW_INTERVAL_MS the tree takes in the entries
// appended since (in batches of EXTEND_BATCH, so it never holds its lock long), and every
// CHECKPOINT_INTERVAL_S a checkpoint is signed when the ledger grew. Appends never wait for the
// tree: the tree lags the ledger by at most one interval plus the time to hash what arrived,
// which GET /v1/transparency/tree reports (lag_entries), and any proof asked for a newer entry
// first brings the tree up to it.
import type { Db } from '../../../db/client.js';
import { SYSTEM_ACTOR } from '../../context.js';
import type { Logger } from '../../logger.js';
import { latestCheckpoint, makeCheckpoint } from './log.js';
import type { LogSetup } from './setup.js';
import { extendTo, ledgerSize } from './store.js';

export const FOLLOW_INTERVAL_MS = 1000;

export interface TransparencyJob {
  stop(): Promise<void>;
}

export function startTransparencyJob(db: Db, setup: LogSetup, log: Logger): TransparencyJob {
  const ctx = { db, actor: SYSTEM_ACTOR, requestId: 'transparency-job', log };
  let lastCheckpointAt = 0;
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = async () => {
    try {
      await extendTo(db, await ledgerSize(db));
      if (Date.now() - lastCheckpointAt >= setup.checkpointIntervalS * 1000) {
        lastCheckpointAt = Date.now();
        const latest = await latestCheckpoint(db);
        if ((latest?.size ?? 0) < (await ledgerSize(db))) {
          const { checkpoint } = await makeCheckpoint(ctx, setup);
          log.info({ size: checkpoint.size }, 'transparency checkpoint signed');
        }
      }
    } catch (error) {
      log.error({ err: error }, 'transparency follower failed; it retries on the next tick');
    }
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = tick().finally(() => {
      running = null;
    });
  }, FOLLOW_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
