// issue 13, finding 5: the beancount export carries its operating currency, the marks and rates
// as price directives, open directives with the exact ledger names, and balance assertions, so
// bean-check accepts it and bean-query (Debian's beancount, not our code) converts it to USD to
// the cent of the holdings report.
import { spawnSync } from 'node:child_process';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postEntry } from '../../../src/ledger/service.js';
import { verifyLedgerExport } from '../../../src/verify/verify.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { btcEntry } from '../ledger/helpers.js';
import { scratch } from './support.js';

// bean-check is Debian's beancount, not an npm package: CI (CI=true, .ci/run installs it) requires
// it and fails without it; elsewhere a machine without it skips this and says so plainly.
const beanCheckInstalled = !spawnSync('bean-check', ['--version'], { encoding: 'utf8' }).error;
const beanCheckRequired = process.env.CI === 'true';
if (!beanCheckInstalled && !beanCheckRequired)
  console.warn(
    'SKIPPED: the bean-check tests of %s: bean-check is not installed (apt-get install beancount); CI=true requires it',
    'beancount-valuation.test.ts',
  );

let t: TestApp;
let files: ReturnType<typeof scratch>;
const COLD = 'Assets:Bitcoin:regtest-cold:Available';
const WARM = 'Assets:Bitcoin:regtest-warm:Immature';

beforeAll(async () => {
  t = await createTestApp();
  files = scratch();
  const receipt = (account: string, sats: bigint, at: string) =>
    postEntry({
      ctx: t.ctx(),
      input: btcEntry(account, 'Income:Mining:hydro-1', sats, { occurredAt: new Date(at), kind: 'payout.received' }),
    });
  await receipt(COLD, 100_000_000n, '2026-01-10T10:00:00Z');
  await receipt(WARM, 50_000_000n, '2026-03-05T10:00:00Z');
  await receipt(COLD, 25_000_000n, '2026-06-20T10:00:00Z');
  await receipt(COLD, 10_000_000n, '2026-07-02T10:00:00Z'); // after the June close
  await postEntry({
    ctx: t.ctx(),
    input: {
      ...btcEntry('Expenses:Energy:hydro-1', 'Liabilities:Energy:grid', 0n, {
        occurredAt: new Date('2026-06-25T00:00:00Z'),
      }),
      postings: [
        { account: 'Expenses:Energy:hydro-1', commodity: 'BYN', amount: new Decimal('1520.50') },
        { account: 'Liabilities:Energy:grid', commodity: 'BYN', amount: new Decimal('-1520.50') },
      ],
    },
  });
  const prices = [
    ['60000', '2026-01-10T00:00:00Z'],
    ['70000', '2026-03-31T12:00:00Z'],
    ['79000', '2026-06-30T08:00:00Z'],
    ['80000.12', '2026-06-30T12:00:00Z'], // the day's last mark: the one holdings uses at the day's end
  ].map(([price, at]) => ({ currency: 'USD', price, at, source: 'test' }));
  expect((await t.request('POST', '/v1/prices', { body: { prices } })).status).toBe(200);
  const rates = [{ base: 'USD', quote: 'BYN', rate: '3.2', at: '2026-06-01T00:00:00Z', source: 'nbrb' }];
  expect((await t.request('POST', '/v1/rates', { body: { rates } })).status).toBe(200);
});
afterAll(async () => {
  files.cleanup();
  await t.close();
});

async function exportFile(query: string) {
  const res = await t.request('GET', `/v1/exports/ledger?format=beancount${query}`, { key: t.keys.auditor });
  expect(res.status, res.text).toBe(200);
  return { text: res.text, path: files.write(res.text, 'beancount') };
}

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  // Missing beancount is a failure, not a skip: `apt-get install beancount` (.ci/run does).
  expect(result.error, `${command} is not installed (apt-get install beancount)`).toBeUndefined();
  return result;
}

function beanQueryUsd(path: string, day: string, accounts: string): Decimal {
  const query = `SELECT convert(sum(position), 'USD', ${day}) WHERE account ~ '${accounts}' AND date <= ${day}`;
  const result = run('bean-query', [path, query]);
  expect(result.status, result.stderr).toBe(0);
  const match = /(-?\d+(?:\.\d+)?) USD/.exec(result.stdout);
  expect(match, result.stdout).not.toBeNull();
  expect(result.stdout).not.toMatch(/\d BTC/); // every BTC converted: a price was in force
  return new Decimal(match![1]!);
}

describe.runIf(beanCheckInstalled || beanCheckRequired)('the beancount export values itself', () => {
  it('has operating_currency, price directives, mapped open directives and closing balance assertions', async () => {
    const { text, path } = await exportFile('');
    expect(text).toContain('option "operating_currency" "USD"');
    expect(text).toMatch(/^2026-06-30 price BTC 80000\.12 USD$/m);
    expect(text).not.toMatch(/^2026-06-30 price BTC 79000\.00 USD$/m);
    expect(text).toMatch(/^2026-06-01 price BYN 0\.3125 USD$/m);
    expect(text).toContain(
      'open Assets:Bitcoin:Regtest-cold:Available\n  reserve_account: "Assets:Bitcoin:regtest-cold:Available"',
    );
    expect(text).toMatch(/^2026-07-03 balance Assets:Bitcoin:Regtest-cold:Available {2}1\.35000000 BTC$/m);
    expect(text).toMatch(/^2026-07-03 balance Liabilities:Energy:Grid {2}-1520\.5 BYN$/m);
    const check = run('bean-check', [path]);
    expect(check.stderr + check.stdout).toBe('');
    expect(check.status).toBe(0);
    await expect(verifyLedgerExport(path)).resolves.toMatchObject({ format: 'beancount', entries: 5 });
  });

  for (const [day, asOf] of [
    ['2026-03-31', '2026-03-31T23:59:59.999Z'],
    ['2026-06-30', '2026-06-30T23:59:59.999Z'],
  ] as const) {
    it(`bean-query converts the bitcoin held on ${day} to the holdings report's fair value, to the cent`, async () => {
      const { path } = await exportFile('');
      const holdings = await t.request('GET', `/v1/reports/holdings?as_of=${asOf}&currency=USD`, {
        key: t.keys.auditor,
      });
      expect(holdings.status, holdings.text).toBe(200);
      const converted = beanQueryUsd(path, day, '^Assets:Bitcoin');
      expect(converted.toFixed(2)).toBe(holdings.json.totals.fair_value);
    });
  }

  it('a range that starts past seq 1 pads its opening balances, so its assertions still hold', async () => {
    const { text, path } = await exportFile('&from_seq=3');
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2} pad Assets:Bitcoin:Regtest-cold:Available Equity:Opening-Balances$/m);
    const check = run('bean-check', [path]);
    expect(check.stderr + check.stdout).toBe('');
    await expect(verifyLedgerExport(path)).resolves.toMatchObject({ from_seq: '3', entries: 3 });
  });

  it('a changed balance assertion is caught by bean-check', async () => {
    const { text } = await exportFile('');
    const tampered = text.replace(/(balance Assets:Bitcoin:Regtest-cold:Available {2})1\.35/, '$11.36');
    expect(tampered).not.toBe(text);
    const check = run('bean-check', [files.write(tampered, 'beancount')]);
    expect(check.status).not.toBe(0);
  });
});
