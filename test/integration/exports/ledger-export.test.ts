import { spawnSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerVerifyCommands } from '../../../src/cli/commands/verify.js';
import { GENESIS_HASH } from '../../../src/ledger/canonical.js';
import { LEDGER_CSV_COLUMNS } from '../../../src/ledger/export/formats.js';
import { trialBalance, verifyLedger } from '../../../src/ledger/service.js';
import { verifyLedgerExport } from '../../../src/verify/verify.js';
import { getEntry } from '../../../src/ledger/service.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { onPostgres } from '../../support/db.js';
import { postgresClientOf } from '../../../src/ledger/export/copy.js';
import { ledgerExport, type LedgerExportStream } from '../../../src/ledger/export/export.js';
import { resolveLedgerRange } from '../../../src/ledger/export/range.js';
import { postRealisticLedger } from './ledger-fixture.js';
import { linesOf, scratch } from './support.js';
import { CLI_ENTRY } from '../../e2e/process.js';

// bean-check is Debian's beancount, not an npm package: CI (CI=true, .ci/run installs it) requires
// it and fails without it; elsewhere a machine without it skips this and says so plainly.
const beanCheckInstalled = !spawnSync('bean-check', ['--version'], { encoding: 'utf8' }).error;
const beanCheckRequired = process.env.CI === 'true';
if (!beanCheckInstalled && !beanCheckRequired)
  console.warn(
    'SKIPPED: the bean-check tests of %s: bean-check is not installed (apt-get install beancount); CI=true requires it',
    'ledger-export.test.ts',
  );

let t: TestApp;
let files: ReturnType<typeof scratch>;
let entryCount: number;
beforeAll(async () => {
  t = await createTestApp();
  files = scratch();
  entryCount = await postRealisticLedger(t.ctx(), 5);
});
afterAll(async () => {
  files.cleanup();
  await t.close();
});

const FORMATS = ['csv', 'jsonl', 'beancount'] as const;

async function exportFile(query: string, extension: string) {
  const res = await t.request('GET', `/v1/exports/ledger?${query}`, { key: t.keys.auditor });
  expect(res.status, res.text).toBe(200);
  return { res, path: files.write(res.text, extension) };
}

describe('GET /v1/exports/ledger round trips through the offline verifier', () => {
  for (const format of FORMATS) {
    it(`${format}: the whole ledger verifies; head and trial balance match the server's`, async () => {
      const { res, path } = await exportFile(`format=${format}`, format);
      expect(res.headers.get('content-disposition')).toContain(`reserve-ledger-1-${entryCount}.${format}`);
      const summary = await verifyLedgerExport(path);
      const server = await verifyLedger(t.ctx());
      expect(server).toMatchObject({ ok: true });
      expect(summary).toMatchObject({
        format,
        entries: entryCount,
        from_seq: '1',
        to_seq: String(entryCount),
        prev_hash: GENESIS_HASH,
      });
      expect(server.ok && summary.head_hash === server.head_hash).toBe(true);
      const balances = (await trialBalance(t.ctx())).rows.filter((r) => r.balance.toString() !== '0');
      expect(summary.closing_balances).toHaveLength(balances.length);
      for (const row of balances) {
        expect(summary.closing_balances).toContainEqual({
          account: row.account,
          commodity: row.commodity,
          amount: row.balance.toString(),
        });
      }
    });
  }

  it('csv is RFC 4180: a header, one record per posting, quoted fields with commas, quotes and newlines', async () => {
    const { res } = await exportFile('format=csv', 'csv');
    expect(res.headers.get('content-type')).toContain('text/csv');
    const records = parse(res.text) as string[][];
    expect(records[0]).toEqual([...LEDGER_CSV_COLUMNS]);
    const rows = records.slice(1, -1);
    expect(records.at(-1)![0]).toBe('manifest');
    const manifest = JSON.parse(records.at(-1)![1]!);
    expect(rows).toHaveLength(manifest.postings);
    const coinbase = rows.find((r) => r[4] === 'coinbase.received')!;
    expect(coinbase[5]).toMatch(/^Coinbase, "solo" block at gas-flare_2; round \d+\nsecond line — ünïcødé$/);
    expect(res.text).toContain('"Coinbase, ""solo"" block');
    const energy = rows.find((r) => r[4] === 'energy.consumed')!;
    expect(energy.slice(13, 16)).toEqual(['Expenses:Energy:hydro-1', 'BYN', '1520.5']);
    expect(energy[16]).toBe('0.30864197530864197 USD');
  });

  it('jsonl carries one entry per line with amounts as exact strings', async () => {
    const { res } = await exportFile('format=jsonl', 'jsonl');
    const lines = res.text.trimEnd().split('\n');
    expect(lines).toHaveLength(entryCount + 1);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ seq: '1', kind: 'payout.received', prev_hash: GENESIS_HASH, reverses_seq: null });
    expect(first.postings[0]).toEqual({
      account: 'Assets:Bitcoin:vault-a:Unconfirmed',
      commodity: 'BTC',
      amount: '312500000',
      price: null,
      cost: null,
    });
    expect(first.postings[1].price).toBe('65000.25 USD');
    const reversal = lines.map((l) => JSON.parse(l)).find((e) => e.kind === 'reversal');
    expect(reversal.reverses_seq).toMatch(/^\d+$/);
  });

  it.runIf(beanCheckInstalled || beanCheckRequired)(
    'beancount is accepted by bean-check (Debian package beancount, installed by .ci/run)',
    async () => {
      const { path, res } = await exportFile('format=beancount', 'beancount');
      expect(res.text).toMatch(/^\d{4}-\d{2}-\d{2} open Assets:Bitcoin:Cold-vault-b:Immature$/m);
      expect(res.text).toMatch(/^\d{4}-\d{2}-\d{2} commodity BYN$/m);
      expect(res.text).toContain(
        '  Assets:Bitcoin:Vault-a:Unconfirmed  3.12500000 BTC\n    account: "Assets:Bitcoin:vault-a:Unconfirmed"',
      );
      const check = spawnSync('bean-check', [path], { encoding: 'utf8' });
      // Missing bean-check under CI=true is a failure, not a skip: install it with `apt-get install beancount`.
      expect(check.error, 'bean-check is not installed (apt-get install beancount)').toBeUndefined();
      expect(check.stderr + check.stdout).toBe('');
      expect(check.status).toBe(0);
    },
  );
});

describe('CSV and JSON Lines on a PostgreSQL server come from COPY', () => {
  const collect = async (stream: LedgerExportStream) => {
    const parts: Buffer[] = [];
    for await (const chunk of stream.body)
      parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(parts).toString('utf8');
  };

  it('uses COPY exactly when the engine is PostgreSQL', () => {
    expect(postgresClientOf(t.database.db) !== null).toBe(onPostgres);
  });

  // COPY exists only on the server engine; PGlite always takes the page-by-page path.
  it.runIf(onPostgres)(
    'byte for byte what csv-stringify and JSON.stringify write page by page, and never hangs (10 of each in a row)',
    async () => {
      for (const [format, bounds] of [
        ['csv', {}],
        ['jsonl', {}],
        ['csv', { fromSeq: 7n, toSeq: 19n }],
        ['jsonl', { fromSeq: 7n, toSeq: 19n }],
      ] as const) {
        const range = await resolveLedgerRange(t.ctx(), bounds);
        const keyset = await collect(ledgerExport(t.ctx(), format, range, { keysetOnly: true }));
        // A line break inside a quoted CSV field; escaped as \n in JSON.
        expect(keyset).toContain(format === 'csv' ? '\nsecond line — ünïcødé' : '\\nsecond line — ünïcødé');
        for (let i = 0; i < 5; i++) {
          let timer: NodeJS.Timeout | undefined;
          const hung = new Promise<never>(
            (_, reject) => (timer = setTimeout(() => reject(new Error(`COPY export ${format} ${i} hung`)), 10_000)),
          );
          const copied = await Promise.race([collect(ledgerExport(t.ctx(), format, range)), hung]).finally(() =>
            clearTimeout(timer),
          );
          expect(copied).toBe(keyset);
        }
      }
    },
  );
});

describe('a range of the ledger verifies on its own', () => {
  for (const format of FORMATS) {
    it(`${format}: entries 10-25 start from the prev_hash of entry 10 and carry opening balances`, async () => {
      const { res, path } = await exportFile(`format=${format}&from_seq=10&to_seq=25`, format);
      expect(res.headers.get('content-disposition')).toContain(`reserve-ledger-10-25.${format}`);
      const summary = await verifyLedgerExport(path);
      const ninth = await getEntry(t.ctx(), { seq: 9n });
      const last = await getEntry(t.ctx(), { seq: 25n });
      expect(summary).toMatchObject({
        entries: 16,
        from_seq: '10',
        to_seq: '25',
        prev_hash: ninth!.hash,
        head_hash: last!.hash,
      });
      const closing = (await trialBalance(t.ctx(), { asOfSeq: 25n })).rows.filter((r) => r.balance.toString() !== '0');
      expect(summary.closing_balances).toHaveLength(closing.length);
      if (format === 'jsonl') {
        const manifest = JSON.parse(linesOf(res.text).lines.at(-2)!).manifest;
        expect(manifest.opening_balances.length).toBeGreaterThan(0);
        expect(manifest.prev_hash).toBe(ninth!.hash);
      }
    });
  }

  it('a time range: everything recorded in [from, to); an empty range still verifies', async () => {
    const all = await exportFile('format=jsonl&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z', 'jsonl');
    expect((await verifyLedgerExport(all.path)).entries).toBe(entryCount);
    const future = await exportFile('format=csv&from=2999-01-01T00:00:00Z', 'csv');
    const empty = await verifyLedgerExport(future.path);
    const head = await getEntry(t.ctx(), { seq: BigInt(entryCount) });
    expect(empty).toMatchObject({
      entries: 0,
      postings: 0,
      from_seq: String(entryCount + 1),
      to_seq: String(entryCount),
      head_hash: head!.hash,
    });
    const past = await exportFile('format=beancount&to=2001-01-01T00:00:00Z', 'beancount');
    expect(await verifyLedgerExport(past.path)).toMatchObject({
      entries: 0,
      head_hash: GENESIS_HASH,
      closing_balances: [],
    });
  });

  it('the manifest endpoint answers what the export ends with', async () => {
    const { res } = await exportFile('format=jsonl&from_seq=3&to_seq=7', 'jsonl');
    const trailer = JSON.parse(linesOf(res.text).lines.at(-2)!).manifest;
    const manifest = await t.request('GET', '/v1/exports/ledger/manifest?format=jsonl&from_seq=3&to_seq=7', {
      key: t.keys.auditor,
    });
    expect(manifest.status).toBe(200);
    expect({ ...manifest.json, generated_at: null }).toEqual({ ...trailer, generated_at: null });
  });

  it('refuses bad ranges and formats with a precise 422, and other roles', async () => {
    const cases: [string, string, RegExp][] = [
      [`to_seq=${entryCount + 1}`, 'query.to_seq', /beyond the chain head/],
      [`from_seq=${entryCount + 2}`, 'query.from_seq', /beyond the chain head/],
      ['from_seq=5&to_seq=4', 'query.from_seq', /must not be above query.to_seq/],
      ['from_seq=0', 'query.from_seq', /positive sequence number/],
      ['from_seq=1.5', 'query.from_seq', /positive sequence number/],
      ['to_seq=-3', 'query.to_seq', /positive sequence number/],
      ['format=xml', 'query.format', /must be one of csv, jsonl, beancount/],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.from', /must be before query.to/],
      ['from=yesterday', 'query.from', /RFC 3339/],
    ];
    for (const [query, field, reason] of cases) {
      const res = await t.request('GET', `/v1/exports/ledger?${query}`, { key: t.keys.auditor });
      expect(res.status, query).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.json.errors[0].field, query).toBe(field);
      expect(res.json.errors[0].reason, query).toMatch(reason);
    }
    expect((await t.request('GET', '/v1/exports/ledger', { key: t.keys.officer })).status).toBe(403);
    expect((await t.request('GET', '/v1/exports/ledger', { key: t.keys.approver })).status).toBe(403);
    expect((await t.request('GET', '/v1/exports/ledger', { key: null })).status).toBe(401);
    expect((await t.request('GET', '/v1/exports/ledger/manifest', { key: t.keys.admin })).status).toBe(200);
  });
});

describe('reserve verify FILE', () => {
  /** The command in this process (fast); one test below runs the real CLI process. */
  async function verifyCommand(...args: string[]) {
    const program = new Command().exitOverride();
    registerVerifyCommands(program);
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((text: string) => void out.push(text));
    const error = vi.spyOn(console, 'error').mockImplementation((text: string) => void err.push(text));
    try {
      await program.parseAsync(['node', 'reserve', 'verify', '--no-progress', ...args]);
      return { status: process.exitCode, stdout: out.join('\n'), stderr: err.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
      process.exitCode = undefined;
    }
  }

  it('the real CLI process prints a summary and exits 0', async () => {
    const { path } = await exportFile('format=csv', 'csv');
    const ok = spawnSync(process.execPath, [CLI_ENTRY, 'verify', path], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`ledger export verified (csv)`);
    expect(ok.stdout).toMatch(new RegExp(`entries: +${entryCount}, seq 1\\.\\.${entryCount}`));
    expect(ok.stdout).toMatch(/Assets:Bitcoin:vault-a:Available +\d+ sat \(\d+\.\d{8} BTC\)/);
    expect(ok.stdout).toMatch(/Expenses:Energy:hydro-1 +\d+\.?\d* BYN/);
  });

  it('names the bad line and exits 1; --json; exits 2 on a missing file', async () => {
    const { res } = await exportFile('format=csv', 'csv');
    const { lines, eol } = linesOf(res.text);
    lines[1] = lines[1]!.replace('Assets:Bitcoin:vault-a:Unconfirmed', 'Assets:Bitcoin:vault-b:Unconfirmed');
    const path = files.write(lines.join(eol), 'csv');
    const bad = await verifyCommand(path);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^FAILED .*: line 2: entry seq 1: hash \w+ does not match its content/);
    const json = await verifyCommand('--json', path);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, line: 2 });
    const missing = await verifyCommand(`${files.dir}/nope.csv`);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });
});
