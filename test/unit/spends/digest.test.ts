import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeSpend, selectionParams } from '../../../src/custody/compose.js';
import { digestForm, spendDigest } from '../../../src/custody/digest.js';
import { outputScriptOf } from '../../../src/bitcoin/address.js';
import { fundWith } from '../../../src/custody/selection.js';
import { fundedCoins, SEEDS, testWallet } from './fixtures.js';

// The worked example of docs/spends.md, computed here: the document must show this very form and digest.
export function workedExample() {
  const { wallet } = testWallet('p2wsh', 2, [SEEDS.v1, SEEDS.v2, SEEDS.v4]);
  const coins = fundedCoins(wallet, [250_000_000n]);
  const warm = testWallet('p2sh-p2wsh', 2, [SEEDS.v1, SEEDS.v2, SEEDS.v4]).wallet.derive(0, 0);
  const destinations = [
    { address: warm.address, script: warm.scriptPubKey, valueSat: 100_000_000n, label: 'spd_example to regtest-warm' },
  ];
  const c = wallet.derive(1, 0);
  const change = { address: c.address, script: c.scriptPubKey, chain: 1 as const, index: 0 };
  const funding = fundWith(
    coins,
    selectionParams({ wallet, destinations, change, feeRateMsatVb: 2000n, maxInputs: 500 }),
  );
  const spend = composeSpend({
    wallet,
    policyId: 'regtest-cold',
    policyVersion: 1,
    funding,
    destinations,
    change,
    locktime: 200,
  });
  const input = {
    policyId: 'regtest-cold',
    policyVersion: 1,
    unsignedTxHex: spend.unsignedTx.toHex(),
    outputs: spend.outputs,
    feeSat: funding.feeSat,
  };
  return { spend, form: digestForm(input), digest: spendDigest(input) };
}

describe('approval digest', () => {
  const { spend, form, digest } = workedExample();

  it('is SHA-256 of the canonical form, and the one composeSpend gives', () => {
    expect(digest).toBe(createHash('sha256').update(form).digest('hex'));
    expect(spend.digest).toBe(digest);
    expect(form.endsWith('\n')).toBe(true);
    expect(form.split('\n')[0]).toBe('reserve-spend-digest/v1');
  });

  it('changes with any output, the fee, the label or the policy version', () => {
    const base = {
      policyId: 'p',
      policyVersion: 1,
      unsignedTxHex: '02000000',
      outputs: [{ address: 'a', valueSat: 1n, label: null }],
      feeSat: 5n,
    };
    const all = [
      base,
      { ...base, policyVersion: 2 },
      { ...base, feeSat: 6n },
      { ...base, outputs: [{ address: 'a', valueSat: 2n, label: null }] },
      { ...base, outputs: [{ address: 'a', valueSat: 1n, label: 'x' }] },
      { ...base, outputs: [{ address: 'b', valueSat: 1n, label: null }] },
      { ...base, unsignedTxHex: '02000001' },
    ].map(spendDigest);
    expect(new Set(all).size).toBe(all.length);
    // Labels are JSON strings: a label cannot forge another line.
    expect(digestForm({ ...base, outputs: [{ address: 'a', valueSat: 1n, label: 'x\nfee_sat 0' }] })).toContain(
      '"x\\nfee_sat 0"',
    );
  });

  it('docs/spends.md shows this worked example, byte for byte', () => {
    const doc = readFileSync(new URL('../../../docs/spends.md', import.meta.url), 'utf8');
    expect(doc).toContain(form);
    expect(doc).toContain(digest);
    expect(outputScriptOf(spend.outputs[0]!.address, 'regtest')).not.toBeNull();
    // The example's keys are policies/regtest-cold.yaml's (published test seeds).
    const policy = readFileSync(new URL('../../../policies/regtest-cold.yaml', import.meta.url), 'utf8');
    for (const s of testWallet('p2wsh', 2, [SEEDS.v1, SEEDS.v2, SEEDS.v4]).wallet.spec.signers)
      expect(policy).toContain(s.xpub);
  });
});
