// The follower and checkpointer as the server starts them: the tree catches up within a
// follow interval and a checkpoint is signed once the interval passed; a second, different log
// key on the same database is refused (one log, one key). Both engines.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import {
  latestCheckpoint,
  ledgerSize,
  loadLogSetup,
  startTransparencyJob,
  treeSize,
} from '../../../src/ledger/transparency/index.js';
import { silentLog } from '../../support/app.js';
import { transparencyApp } from './harness.js';

let h: Awaited<ReturnType<typeof transparencyApp>>;
beforeAll(async () => {
  h = await transparencyApp();
}, 60_000);
afterAll(async () => h?.close());

it('the job follows the ledger and signs a checkpoint after the interval', async () => {
  await h.append(25);
  const job = startTransparencyJob(
    h.database.db,
    { ...loadLogSetup({ DATA_DIR: h.dir, REPORTING_ORIGIN: 'reserve.test' }), checkpointIntervalS: 1 },
    silentLog,
  );
  try {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await latestCheckpoint(h.database.db))?.size !== 25)
      await new Promise((r) => setTimeout(r, 200));
    expect(await treeSize(h.database.db)).toBe(await ledgerSize(h.database.db));
    expect((await latestCheckpoint(h.database.db))?.size).toBe(25);
  } finally {
    await job.stop();
  }
}, 30_000);

it('refuses to sign with a second log key once one has signed', async () => {
  const { app } = createApp({
    database: h.database,
    config: { BODY_LIMIT_BYTES: 1 << 20, REPORTING_ORIGIN: 'reserve.test' },
    log: silentLog,
  });
  await h.append(1);
  const r = await app.request('/v1/transparency/checkpoints', {
    method: 'POST',
    headers: { authorization: `Bearer ${h.admin}`, 'content-type': 'application/json', 'content-length': '2' },
    body: '{}',
  });
  expect(r.status).toBe(409);
  expect(await r.text()).toContain("this database's log signs with reserve.test/ledger+");
});
