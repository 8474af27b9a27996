import { address as addressCodec } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAddresses } from '../../../src/policies/index.js';
import { issueAddress, resolveAddress } from '../../../src/policies/service.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

// The UTXO export resolves a page's addresses in one batch: each answer must be what resolveAddress
// gives for that address alone (an issued one, one written in another form, one derivable but not
// recorded yet, another network's, a foreign one, an invalid one).

let t: FleetApp;
let issued: string;

beforeAll(async () => {
  t = await createFleetApp();
  const { address } = await issueAddress({
    ctx: t.ctx(),
    input: { policyId: 'regtest-cold', label: 'batch resolve', site: 'dam-1', pool: 'pool-a', purpose: 'payouts' },
  });
  issued = address.address;
});
afterAll(async () => t?.close());

describe('resolveAddresses', () => {
  it('answers for each address what resolveAddress answers alone, and records a derivable one as derived', async () => {
    const foreign = addressCodec.toBech32(Buffer.alloc(32, 7), 0, 'bcrt');
    const unrecorded = t.addresses[5]!.address;
    const wanted = [issued, issued.toUpperCase(), unrecorded, t.testnetAddress, foreign, 'not-an-address', issued];
    const batch = await resolveAddresses(t.ctx(), wanted);
    expect([...batch.keys()].sort()).toEqual([...new Set(wanted)].sort());

    const known = batch.get(issued)!;
    expect(known).toMatchObject({ policyId: 'regtest-cold', chain: 0, state: 'issued', label: 'batch resolve' });
    expect(known.bip32Derivations.length).toBeGreaterThan(1);
    expect(batch.get(issued.toUpperCase())).toEqual(known);
    expect(batch.get(unrecorded)).toMatchObject({ policyId: 'regtest-cold', chain: 0, index: 5, state: 'derived' });
    expect(batch.get(t.testnetAddress)).toMatchObject({ policyId: 'testnet-drill', chain: 0, index: 0 });
    expect(batch.get(foreign)).toBeNull();
    expect(batch.get('not-an-address')).toBeNull();

    for (const address of new Set(wanted)) {
      const alone = await resolveAddress(t.ctx(), address).catch(() => null);
      expect(batch.get(address), address).toEqual(alone);
    }
  });

  it('answers an empty list with an empty map', async () => {
    expect((await resolveAddresses(t.ctx(), [])).size).toBe(0);
  });
});
