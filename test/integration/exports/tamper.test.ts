// Every kind of tampering with an export is caught, and the first bad line is named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedgerExport } from '../../../src/verify/verify.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { postRealisticLedger } from './ledger-fixture.js';
import { expectRejected, linesOf, scratch } from './support.js';

let t: TestApp;
let files: ReturnType<typeof scratch>;
const exported: Record<'csv' | 'jsonl' | 'beancount', string> = { csv: '', jsonl: '', beancount: '' };

beforeAll(async () => {
  t = await createTestApp();
  files = scratch();
  await postRealisticLedger(t.ctx(), 4);
  for (const format of ['csv', 'jsonl', 'beancount'] as const) {
    const res = await t.request('GET', `/v1/exports/ledger?format=${format}`, { key: t.keys.auditor });
    expect(res.status).toBe(200);
    exported[format] = res.text;
  }
});
afterAll(async () => {
  files.cleanup();
  await t.close();
});

type Edit = (lines: string[]) => void;

/** Applies an edit to the export's lines, writes it, verifies it: must fail at `line` for `reason`. */
async function tampered(format: keyof typeof exported, edit: Edit, line: number, reason: RegExp) {
  const { lines, eol } = linesOf(exported[format]);
  edit(lines);
  const error = await expectRejected(files.write(lines.join(eol), format));
  expect(error.reason).toMatch(reason);
  expect(error.line).toBe(line);
  return error;
}

/** 0-based index of the first line matching, after `from`. */
const find = (lines: string[], pattern: RegExp, from = 0) => {
  const i = lines.findIndex((l, n) => n >= from && pattern.test(l));
  expect(i, `no line matches ${pattern}`).toBeGreaterThanOrEqual(0);
  return i;
};
const swap = (lines: string[], a: number, b: number) => ([lines[a], lines[b]] = [lines[b]!, lines[a]!]);

describe('the untouched exports verify', () => {
  it.each(['csv', 'jsonl', 'beancount'] as const)('%s', async (format) => {
    await expect(verifyLedgerExport(files.write(exported[format], format))).resolves.toMatchObject({ format });
  });
});

describe('JSON Lines: each tampering is caught at its line', () => {
  // Line n holds entry seq n.
  it('one changed amount', () =>
    tampered(
      'jsonl',
      (l) => (l[1] = l[1]!.replace(/"amount":"(\d+)"/, (_, a) => `"amount":"${BigInt(a) + 1n}"`)),
      2,
      /seq 2 does not balance: its BTC postings sum to 1/,
    ));
  it('one changed amount on both sides (still balanced)', () =>
    tampered(
      'jsonl',
      (l) => (l[0] = l[0]!.replace(/312500000/g, '312500001')),
      1,
      /seq 1: hash \w+ does not match its content/,
    ));
  it('one changed hash', () =>
    tampered(
      'jsonl',
      (l) => (l[6] = l[6]!.replace(/"hash":"([0-9a-f])/, (_, c) => `"hash":"${c === '0' ? '1' : '0'}`)),
      7,
      /seq 7: hash .* does not match/,
    ));
  it('one changed account name', () =>
    tampered(
      'jsonl',
      (l) => (l[2] = l[2]!.replace('Income:Mining:gas-flare_2', 'Income:Mining:gas-flare_3')),
      3,
      /seq 3: hash .* does not match/,
    ));
  it('one deleted line', () => tampered('jsonl', (l) => l.splice(8, 1), 9, /seq 10 where seq 9 was expected/));
  it('two swapped lines', () => tampered('jsonl', (l) => swap(l, 3, 4), 4, /seq 5 where seq 4 was expected/));
  it('a re-hashed forgery: the chain re-links but the manifest head and SHA-256 do not match', async () => {
    const { lines, eol } = linesOf(exported.jsonl);
    // Moving an amount between two accounts of one entry keeps it balanced; the forger then
    // recomputes every hash from there on, which the verifier cannot tell from the chain alone.
    const { entryHash } = await import('../../../src/ledger/canonical.js');
    let prev = JSON.parse(lines[0]!).prev_hash as string;
    for (let i = 0; i < lines.length - 2; i++) {
      const entry = JSON.parse(lines[i]!);
      if (i === 0) entry.description = 'Payout (edited)';
      entry.prev_hash = prev;
      entry.hash = entryHash(prev, entry);
      prev = entry.hash;
      lines[i] = JSON.stringify(entry);
    }
    const error = await expectRejected(files.write(lines.join(eol), 'jsonl'));
    expect(error.line).toBe(lines.length - 1);
    expect(error.reason).toMatch(/the chain ends at \w+; the manifest's head_hash is/);
  });
  it('a cut-short file without its manifest', () =>
    tampered('jsonl', (l) => l.splice(l.length - 2, 1), 0, /no manifest on the last line/));
  it('an edited manifest balance', async () => {
    const { lines } = linesOf(exported.jsonl);
    await tampered(
      'jsonl',
      (l) =>
        (l[l.length - 2] = l[l.length - 2]!.replace(
          /("closing_balances":\[\{"account":"[^"]+","commodity":"\w+","amount":"-?)(\d)/,
          (_, a, d) => `${a}${d === '9' ? '8' : '9'}`,
        )),
      lines.length - 1,
      /trial balance differs from the manifest's closing_balances/,
    );
  });
});

describe('CSV: each tampering is caught at its line', () => {
  // Line 1 is the header; entry 1's postings are lines 2 and 3.
  it('one changed amount', () =>
    tampered(
      'csv',
      (l) => (l[2] = l[2]!.replace(',-312500000,', ',-312500002,')),
      2,
      /seq 1 does not balance: its BTC postings sum to -2/,
    ));
  it('one changed hash', async () => {
    // Both rows of entry 2 (lines 4 and 5) carry its hash; changing both is a consistent edit.
    const { lines } = linesOf(exported.csv);
    const hash = lines[3]!.split(',')[11]!;
    const forged = hash.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    await tampered(
      'csv',
      (l) => {
        l[3] = l[3]!.replace(hash, forged);
        l[4] = l[4]!.replace(hash, forged);
      },
      4,
      /seq 2: hash .* does not match/,
    );
  });
  it('one changed hash on one row only', async () => {
    const { lines } = linesOf(exported.csv);
    const hash = lines[3]!.split(',')[11]!;
    await tampered(
      'csv',
      (l) => (l[4] = l[4]!.replace(hash, '0'.repeat(64))),
      5,
      /column hash of seq 2 differs from the entry's first row/,
    );
  });
  it('one changed account name', () =>
    tampered(
      'csv',
      (l) => (l[1] = l[1]!.replace('Assets:Bitcoin:vault-a:Unconfirmed', 'Assets:Bitcoin:vault-z:Unconfirmed')),
      2,
      /seq 1: hash .* does not match/,
    ));
  it('one deleted line', () =>
    tampered('csv', (l) => l.splice(3, 1), 4, /posting_index 1 of seq 2 does not follow posting 0/));
  it('two swapped lines', () =>
    tampered('csv', (l) => swap(l, 3, 4), 4, /posting_index 1 of seq 2 does not follow posting 0/));
  it('a changed header', () =>
    tampered('csv', (l) => (l[0] = l[0]!.replace('amount', 'amount_btc')), 1, /the header row must be/));
});

describe('beancount: each tampering is caught at its line', () => {
  it('one changed amount (the number beancount shows)', async () => {
    const { lines } = linesOf(exported.beancount);
    const at = find(lines, /^ {2}Income:Mining:Hydro-1 {2}-3\.12500000 BTC$/);
    await tampered(
      'beancount',
      (l) => (l[at] = l[at]!.replace('-3.12500000', '-3.12500001')),
      at + 1,
      /amount -3\.12500001 BTC differs from its exact amount -312500000/,
    );
  });
  it('one changed amount (shown and exact together)', async () => {
    const { lines } = linesOf(exported.beancount);
    const at = find(lines, /^ {2}Income:Mining:Hydro-1 {2}-3\.12500000 BTC$/);
    const txn = lines.slice(0, at).findLastIndex((l) => /^\d{4}-\d{2}-\d{2} \*/.test(l));
    await tampered(
      'beancount',
      (l) => {
        l[at] = l[at]!.replace('-3.12500000', '-3.12500001');
        l[at + 2] = l[at + 2]!.replace('-312500000', '-312500001');
      },
      txn + 1,
      /seq 1 does not balance: its BTC postings sum to -1/,
    );
  });
  it('one changed hash', async () => {
    const { lines } = linesOf(exported.beancount);
    const meta = find(lines, /^ {2}hash: "/, find(lines, /^ {2}seq: "3"$/));
    const txn = lines.slice(0, meta).findLastIndex((l) => /^\d{4}-\d{2}-\d{2} \*/.test(l));
    await tampered(
      'beancount',
      (l) => (l[meta] = l[meta]!.replace(/"(.)/, (_, c) => `"${c === 'f' ? 'e' : 'f'}`)),
      txn + 1,
      /seq 3: hash .* does not match/,
    );
  });
  it('one changed account name (the beancount name)', async () => {
    const { lines } = linesOf(exported.beancount);
    const at = find(lines, /^ {2}Assets:Bitcoin:Vault-a:Available {2}/);
    await tampered(
      'beancount',
      (l) => (l[at] = l[at]!.replace('Vault-a', 'Vault-b')),
      at + 1,
      /account Assets:Bitcoin:Vault-b:Available is not the beancount name of Assets:Bitcoin:vault-a:Available/,
    );
  });
  it('one changed account name (the exact name in metadata)', async () => {
    const { lines } = linesOf(exported.beancount);
    const at = find(lines, /^ {4}account: "Expenses:Energy:hydro-1"$/);
    // Hydro-1 maps to the same beancount name, so only the hash can tell: the entry is named.
    const txn = lines.slice(0, at).findLastIndex((l) => /^\d{4}-\d{2}-\d{2} \*/.test(l));
    const seq = /"(\d+)"/.exec(lines[txn + 1]!)![1];
    await tampered(
      'beancount',
      (l) => (l[at] = l[at]!.replace('hydro-1', 'Hydro-1')),
      txn + 1,
      new RegExp(`seq ${seq}: hash .* does not match`),
    );
  });
  it('one deleted line (a posting)', async () => {
    const { lines } = linesOf(exported.beancount);
    const at = find(lines, /^ {2}Income:Mining:Hydro-1 {2}/);
    // Its metadata now follows the posting before it, which has an account already.
    await tampered('beancount', (l) => l.splice(at, 1), at + 1, /posting metadata account appears twice/);
  });
  it('one deleted line (a whole-entry header)', async () => {
    const { lines } = linesOf(exported.beancount);
    const at = find(lines, /^\d{4}-\d{2}-\d{2} \*/, find(lines, /^ {2}seq: "4"$/) - 1);
    await tampered('beancount', (l) => l.splice(at, 1), at + 1, /not a directive or transaction/);
  });
  it('two swapped lines (two postings)', async () => {
    const { lines } = linesOf(exported.beancount);
    const at = find(lines, /^ {2}Assets:Bitcoin:Vault-a:Unconfirmed {2}/);
    const other = find(lines, /^ {2}Income:Mining:Hydro-1 {2}/);
    await tampered('beancount', (l) => swap(l, at, other), at + 1, /is not the beancount name of/);
  });
  it('two swapped metadata lines: meaningless to beancount, caught by the SHA-256 in the manifest', async () => {
    const { lines } = linesOf(exported.beancount);
    const at = find(lines, /^ {2}seq: "2"$/);
    await tampered(
      'beancount',
      (l) => swap(l, at, at + 1),
      lines.length - 1,
      /SHA-256 of the file before the manifest is \w+; the manifest says/,
    );
  });
});
