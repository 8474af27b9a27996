import type { DerivedAddress } from '../custody/index.js';
import type { AddressRow, ResolvedAddress } from './addresses.js';
import { policyDescriptors } from './descriptor.js';
import { documentOf, type PolicyRow } from './service.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export function toPolicyView(row: PolicyRow) {
  const doc = documentOf(row);
  return {
    id: row.id,
    name: doc.name,
    network: doc.network,
    script: doc.script,
    threshold: doc.threshold,
    signer_count: doc.signers.length,
    m_of_n: `${doc.threshold}-of-${doc.signers.length}`,
    signers: doc.signers,
    tier: doc.tier,
    spending: doc.spending,
    gap_limit: doc.gap_limit,
    version: row.version,
    content_hash: row.contentHash,
    descriptor: policyDescriptors(doc).multipath,
    active: row.active,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function derivedView(derived: DerivedAddress) {
  return {
    address: derived.address,
    chain: derived.chain,
    index: derived.index,
    script_pub_key: hex(derived.scriptPubKey),
    witness_script: hex(derived.witnessScript),
    redeem_script: derived.redeemScript ? hex(derived.redeemScript) : null,
    bip32_derivations: derived.bip32Derivations.map((d) => ({
      fingerprint: d.fingerprint,
      path: d.path,
      pubkey: hex(d.pubkey),
    })),
  };
}

export function toResolvedView(resolved: ResolvedAddress, row?: Pick<AddressRow, 'site' | 'pool' | 'purpose'>) {
  return {
    ...derivedView(resolved),
    policy_id: resolved.policyId,
    network: resolved.network,
    state: resolved.state,
    label: resolved.label,
    ...(row ? { site: row.site, pool: row.pool, purpose: row.purpose } : {}),
  };
}

export function toListedView(policy: PolicyRow, derived: DerivedAddress, row: AddressRow | undefined) {
  return {
    ...derivedView(derived),
    policy_id: policy.id,
    network: policy.network,
    state: row?.state ?? 'unissued',
    label: row?.label ?? null,
    site: row?.site ?? null,
    pool: row?.pool ?? null,
    purpose: row?.purpose ?? null,
  };
}
