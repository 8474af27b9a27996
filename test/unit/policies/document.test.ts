import { pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bs58check from 'bs58check';
import { networks } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bip32 } from '../../../src/bitcoin/extended-key.js';
import { runPoliciesCheck } from '../../../src/cli/commands/policies.js';
import { parsePolicyFile, type PolicyIssue, validatePolicySet } from '../../../src/policies/document.js';
import { checkPoliciesDir, loadPoliciesDir } from '../../../src/policies/load.js';
import { EXAMPLE_POLICIES_DIR } from '../../support/app.js';

// Keys from PUBLISHED test seeds only: BIP-32 test vectors 1, 2 and 4, and BIP-39 "abandon ... about".
const SEEDS = {
  v1: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
  v2: Buffer.from(
    'fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542',
    'hex',
  ),
  v4: Buffer.from('3ddd5602285899a946114506157c7997e5444528f3003f6134712147db19b678', 'hex'),
  abandon: pbkdf2Sync(
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    'mnemonic',
    2048,
    64,
    'sha512',
  ),
};
const testMaster = (seed: Buffer) => bip32.fromSeed(seed, networks.testnet);
const account = (seed: Buffer, path = "m/48'/1'/0'/2'") => testMaster(seed).derivePath(path).neutered().toBase58();
const fingerprint = (seed: Buffer) => Buffer.from(testMaster(seed).fingerprint).toString('hex');
/** The same key under other version bytes (SLIP-132 prefixes). */
const reversion = (xpub: string, version: number) => {
  const bytes = new Uint8Array(bs58check.decode(xpub));
  new DataView(bytes.buffer).setUint32(0, version);
  return bs58check.encode(bytes);
};
// BIP-32 test vector 1 master xpub: a published mainnet test key, used only to test the network check.
const VECTOR1_MAINNET_XPUB =
  'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8';

function base(): Record<string, any> {
  return {
    id: 'drill',
    name: 'Drill',
    network: 'regtest',
    script: 'p2wsh',
    threshold: '2',
    signers: (['v1', 'v2', 'v4'] as const).map((s) => ({
      name: s,
      fingerprint: fingerprint(SEEDS[s]),
      path: "m/48'/1'/0'/2'",
      xpub: account(SEEDS[s]),
    })),
    tier: 'cold',
    spending: {
      approvals: '2',
      per_tx_limit_btc: '1.5',
      daily_limit_btc: '3',
      allowed_destinations: [],
      delay_hours: '24',
    },
  };
}
const parse = (doc: unknown, file = 'policies/drill.yaml') => parsePolicyFile(file, stringify(doc));
function issuesOf(mutate: (doc: Record<string, any>) => void): PolicyIssue[] {
  const doc = base();
  mutate(doc);
  const result = parse(doc);
  expect(result.policy).toBeUndefined();
  return result.issues;
}

describe('a valid policy', () => {
  it('parses, normalises and defaults', () => {
    const { policy, issues } = parse(base());
    expect(issues).toEqual([]);
    expect(policy).toMatchObject({
      id: 'drill',
      network: 'regtest',
      script: 'p2wsh',
      threshold: 2,
      tier: 'cold',
      gapLimit: 20,
    });
    expect(policy!.spending).toEqual({
      approvals: 2,
      perTxLimitSat: 150_000_000n,
      dailyLimitSat: 300_000_000n,
      allowedDestinations: [],
      delayHours: 24,
    });
    expect(policy!.signers[0]).toMatchObject({ fingerprint: '3442193e', path: "m/48'/1'/0'/2'" });
  });

  it("accepts h as the hardened marker and normalises it to '", () => {
    const doc = base();
    doc.signers[0].path = 'm/48h/1h/0h/2h';
    expect(parse(doc).policy!.signers[0]!.path).toBe("m/48'/1'/0'/2'");
  });

  it('normalises SLIP-132 Vpub (testnet P2WSH) and Upub (testnet P2SH-P2WSH) keys to tpub', () => {
    const doc = base();
    const tpub = doc.signers[0].xpub;
    doc.signers[0].xpub = reversion(tpub, 0x02575483);
    expect(doc.signers[0].xpub.startsWith('Vpub')).toBe(true);
    expect(parse(doc).policy!.signers[0]!.xpub).toBe(tpub);
    const nested = base();
    nested.script = 'p2sh-p2wsh';
    nested.signers[0].xpub = reversion(tpub, 0x024289ef);
    expect(parse(nested).policy!.signers[0]!.xpub).toBe(tpub);
  });

  it('accepts a 1-of-1 and a 20-of-20', () => {
    const single = base();
    single.threshold = '1';
    single.signers = single.signers.slice(0, 1);
    expect(parse(single).issues).toEqual([]);
    const big = base();
    big.signers = Array.from({ length: 20 }, (_, i) => ({
      name: `s${i}`,
      fingerprint: fingerprint(SEEDS.v1),
      path: `m/48'/1'/${i}'/2'`,
      xpub: account(SEEDS.v1, `m/48'/1'/${i}'/2'`),
    }));
    big.threshold = '20';
    expect(parse(big).issues).toEqual([]);
  });
});

describe('each kind of invalid policy names the file, the field and the reason', () => {
  const cases: [string, (d: Record<string, any>) => void, string, RegExp][] = [
    ['unknown field', (d) => (d.colour = 'red'), '(document)', /unknown field\(s\) colour/],
    ['missing name', (d) => delete d.name, 'name', /string/],
    ['id not a slug', (d) => (d.id = 'Cold Vault'), 'id', /slug/],
    ['unknown network', (d) => (d.network = 'mainnet'), 'network', /bitcoin, testnet, signet, regtest/],
    ['unknown script', (d) => (d.script = 'p2tr'), 'script', /p2wsh, p2sh-p2wsh/],
    ['unknown tier', (d) => (d.tier = 'lukewarm'), 'tier', /cold, warm, hot/],
    ['threshold 0', (d) => (d.threshold = '0'), 'threshold', /at least 1/],
    ['threshold above signers', (d) => (d.threshold = '4'), 'threshold', /only 3 signers/],
    ['threshold not a number', (d) => (d.threshold = 'two'), 'threshold', /whole number/],
    ['no signers', (d) => (d.signers = []), 'signers', /at least one/],
    ['21 signers', (d) => (d.signers = Array(21).fill(d.signers[0])), 'signers', /at most 20/],
    [
      'repeated xpub',
      (d) => (d.signers[2] = { ...d.signers[0], name: 'again' }),
      'signers[2].xpub',
      /same key as signers\[0\]/,
    ],
    [
      'mainnet xpub on regtest',
      (d) => (d.signers[1].xpub = VECTOR1_MAINNET_XPUB),
      'signers[1].xpub',
      /mainnet key \(xpub\).*regtest/,
    ],
    ['testnet key on bitcoin', (d) => (d.network = 'bitcoin'), 'signers[0].xpub', /test-network key \(tpub\).*bitcoin/],
    [
      'bad base58check checksum',
      (d) => (d.signers[0].xpub = d.signers[0].xpub.slice(0, -1) + (d.signers[0].xpub.endsWith('A') ? 'B' : 'A')),
      'signers[0].xpub',
      /checksum/,
    ],
    [
      'private key',
      (d) => (d.signers[0].xpub = testMaster(SEEDS.v1).derivePath("m/48'/1'/0'/2'").toBase58()),
      'signers[0].xpub',
      /private key \(tprv\)/,
    ],
    [
      'single-sig vpub',
      (d) => (d.signers[0].xpub = reversion(d.signers[0].xpub, 0x045f1cf6)),
      'signers[0].xpub',
      /single-signature vpub/,
    ],
    [
      'Upub on a p2wsh policy',
      (d) => (d.signers[0].xpub = reversion(d.signers[0].xpub, 0x024289ef)),
      'signers[0].xpub',
      /SLIP-132 p2sh-p2wsh.*p2wsh/,
    ],
    [
      'depth differs from the path',
      (d) => (d.signers[0].path = "m/48'/1'/0'"),
      'signers[0].xpub',
      /depth 4 but the path m\/48'\/1'\/0' has 3 steps/,
    ],
    [
      'last step differs',
      (d) => (d.signers[0].path = "m/48'/1'/0'/1'"),
      'signers[0].xpub',
      /child 2' but the path ends in 1'/,
    ],
    ['fingerprint not hex', (d) => (d.signers[0].fingerprint = 'xyz12345'), 'signers[0].fingerprint', /8 hex/],
    ['path malformed', (d) => (d.signers[0].path = "48'/1'"), 'signers[0].path', /must look like/],
    [
      '9 decimals',
      (d) => (d.spending.per_tx_limit_btc = '0.000000001'),
      'spending.per_tx_limit_btc',
      /more than 8 decimals/,
    ],
    ['negative limit', (d) => (d.spending.daily_limit_btc = '-1'), 'spending.daily_limit_btc', /negative/],
    [
      'per-tx above daily',
      (d) => (d.spending.per_tx_limit_btc = '5'),
      'spending.per_tx_limit_btc',
      /larger than spending.daily_limit_btc/,
    ],
    [
      'destination of another network',
      (d) => (d.spending.allowed_destinations = ['tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx']),
      'spending.allowed_destinations[0]',
      /not a valid regtest address/,
    ],
    ['gap limit 0', (d) => (d.gap_limit = '0'), 'gap_limit', /at least 1/],
  ];
  it.each(cases)('%s', (_name, mutate, field, reason) => {
    const issues = issuesOf(mutate);
    const match = issues.find((i) => i.field === field);
    expect(match, JSON.stringify(issues)).toBeDefined();
    expect(match!.reason).toMatch(reason);
    expect(match!.file).toBe('policies/drill.yaml');
  });

  it('reports YAML syntax errors and duplicate keys with the file', () => {
    expect(parsePolicyFile('p.yaml', 'id: [unclosed').issues[0]).toMatchObject({ file: 'p.yaml', field: '(yaml)' });
    expect(parsePolicyFile('p.yaml', 'id: a\nid: b\n').issues[0]!.field).toBe('(yaml)');
  });
});

describe('checks across files', () => {
  it('refuses duplicate ids, naming both files', () => {
    const a = parse(base(), 'a.yaml').policy!;
    const b = parse(base(), 'b.yaml').policy!;
    expect(validatePolicySet([a, b])).toEqual([
      { file: 'b.yaml', field: 'id', reason: expect.stringMatching(/already the id of a\.yaml/) },
    ]);
  });

  it('refuses an unknown destination policy and one on another network', () => {
    const doc = base();
    doc.spending.allowed_destinations = ['policy:ghost', 'policy:other'];
    const other = base();
    other.id = 'other';
    other.network = 'testnet';
    const issues = validatePolicySet([parse(doc).policy!, parse(other, 'other.yaml').policy!]);
    expect(issues.map((i) => [i.field, i.reason])).toEqual([
      ['spending.allowed_destinations[0]', '"policy:ghost" names no known policy'],
      ['spending.allowed_destinations[1]', '"policy:other" is on testnet, this policy is on regtest'],
    ]);
  });
});

describe('the example policies', () => {
  it('are valid and built from the published test seeds they name', () => {
    const policies = loadPoliciesDir(EXAMPLE_POLICIES_DIR);
    expect(policies.map((p) => p.id)).toEqual(['regtest-cold', 'regtest-warm', 'testnet-drill']);
    const byFingerprint = new Map(Object.values(SEEDS).map((seed) => [fingerprint(seed), seed]));
    for (const policy of policies) {
      expect(policy.network).not.toBe('bitcoin');
      for (const signer of policy.signers) {
        const seed = byFingerprint.get(signer.fingerprint);
        expect(seed, `${policy.id} ${signer.name}`).toBeDefined();
        expect(account(seed!, signer.path)).toBe(signer.xpub);
      }
    }
  });

  it('contain nothing that looks like a mainnet key', () => {
    for (const file of ['regtest-cold.yaml', 'regtest-warm.yaml', 'testnet-drill.yaml']) {
      expect(readFileSync(join(EXAMPLE_POLICIES_DIR, file), 'utf8')).not.toMatch(
        /\b[xyzYZ]p(ub|rv)[1-9A-HJ-NP-Za-km-z]{100,}/,
      );
    }
  });
});

describe('reserve policies check', () => {
  it('prints id, network, m-of-n, script, tier and descriptor checksum; exit 0', () => {
    const lines: string[] = [];
    expect(runPoliciesCheck(EXAMPLE_POLICIES_DIR, { env: {}, out: (l) => lines.push(l) })).toBe(0);
    expect(lines[0]).toMatch(/^ID\s+NETWORK\s+M-OF-N\s+SCRIPT\s+TIER\s+DESCRIPTOR CHECKSUM$/);
    expect(lines[1]).toMatch(/^regtest-cold\s+regtest\s+2-of-3\s+p2wsh\s+cold\s+[a-z0-9]{8}$/);
  });

  it('exits non-zero listing every file, field and reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policies-'));
    const bad = base();
    bad.threshold = '5';
    writeFileSync(join(dir, 'bad.yaml'), stringify(bad));
    writeFileSync(join(dir, 'good.yml'), stringify({ ...base(), id: 'good' }));
    const lines: string[] = [];
    expect(runPoliciesCheck(dir, { env: {}, out: (l) => lines.push(l) })).toBe(2);
    expect(lines.join('\n')).toMatch(
      new RegExp(`${join(dir, 'bad.yaml')}:\\d+:\\d+: threshold: is 5 but there are only 3 signers`),
    );
    expect(checkPoliciesDir(dir).policies.map((p) => p.id)).toEqual(['good']);
  });
});
