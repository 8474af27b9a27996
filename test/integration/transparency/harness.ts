// The app with a transparency log configured (witness keys, origin) on a fresh database, and a
// fetch that drives it in-process, for the witness CLI's own code.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { sql } from 'drizzle-orm';
import { createApp } from '../../../src/app.js';
import { createKey } from '../../../src/keys/service.js';
import { type NewEntry, postEntries } from '../../../src/ledger/index.js';
import {
  ALG_COSIGNATURE_V1,
  generateSigner,
  type Signer,
  signerKeyString,
  verifierKeyString,
} from '../../../src/ledger/transparency/offline.js';
import { writeFileSync } from 'node:fs';
import { createTestDatabase } from '../../support/db.js';
import { silentLog, systemCtx } from '../../support/app.js';

export async function transparencyApp(options: { witnesses?: number; quorum?: number } = {}) {
  const database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'reserve-tlog-'));
  const witnesses: Signer[] = Array.from({ length: options.witnesses ?? 2 }, (_, i) =>
    generateSigner(`witness-${i + 1}.example`, ALG_COSIGNATURE_V1),
  );
  const keyFiles = witnesses.map((w, i) => {
    const path = join(dir, `witness-${i + 1}.key`);
    writeFileSync(path, `${signerKeyString(w)}\n`, { mode: 0o600 });
    return path;
  });
  const quorum = options.quorum ?? 1;
  const { app } = createApp({
    database,
    config: {
      BODY_LIMIT_BYTES: 1024 * 1024,
      DATA_DIR: dir,
      REPORTING_ORIGIN: 'reserve.test',
      WITNESS_KEYS: `${witnesses.map(verifierKeyString).join(',')};quorum=${quorum}`,
      CHECKPOINT_INTERVAL_S: 60,
    },
    log: silentLog,
  });
  const ctx = systemCtx(database);
  const admin = (await createKey({ ctx, input: { name: 'admin', role: 'admin' } })).secret;
  const auditor = (await createKey({ ctx, input: { name: 'auditor', role: 'auditor' } })).secret;
  const fetchApp = ((input: string | URL | Request, init?: RequestInit) =>
    app.request(String(input), init)) as typeof fetch;
  const get = async (path: string, key = auditor) => {
    const r = await app.request(path, { headers: { authorization: `Bearer ${key}` } });
    return { status: r.status, text: await r.text(), headers: r.headers };
  };
  const post = async (path: string, body: unknown, key = admin) => {
    const text = JSON.stringify(body ?? {});
    const r = await app.request(path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'content-length': String(text.length),
      },
      body: text,
    });
    return { status: r.status, text: await r.text() };
  };
  let n = 0;
  const append = (count: number, kind = 'test.entry') =>
    postEntries({
      ctx,
      input: Array.from({ length: count }, (): NewEntry => {
        n++;
        return {
          kind,
          description: `entry ${n}`,
          occurredAt: new Date(Date.UTC(2026, 10, 27, 12, 0, n % 60)),
          source: { type: 'test', id: `t-${n}` },
          postings: [
            { account: 'Assets:Bitcoin:vault-a:Unconfirmed', commodity: 'BTC', amount: BigInt(1000 + n) },
            { account: 'Income:Mining:hydro-1', commodity: 'BTC', amount: -BigInt(1000 + n) },
          ],
        };
      }),
    });
  const logKey = (await get('/v1/transparency/key')).text.trim();
  return {
    app,
    database,
    dir,
    ctx,
    admin,
    auditor,
    witnesses,
    keyFiles,
    fetchApp,
    get,
    post,
    append,
    logKey,
    exec: (q: ReturnType<typeof sql>) => database.db.execute(q),
    close: () => database.close(),
  };
}
