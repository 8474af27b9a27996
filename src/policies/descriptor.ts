import { withChecksum } from '../bitcoin/descriptor-checksum.js';
import { parsePath, originPath } from '../bitcoin/path.js';

// Bitcoin Core output descriptors (BIP-380/382/383/389) for a policy, each with its checksum:
// wsh(sortedmulti(2,[fp/48h/1h/0h/2h]tpub.../0/*,...))#checksum, or sh(wsh(...)) for P2SH-P2WSH.

export interface DescriptorInput {
  script: 'p2wsh' | 'p2sh-p2wsh';
  threshold: number;
  signers: readonly { fingerprint: string; path: string; xpub: string }[];
}

function build(policy: DescriptorInput, tail: string): string {
  const keys = policy.signers.map((s) => {
    const parsed = parsePath(s.path);
    if ('error' in parsed) throw new Error(`signer path ${s.path} ${parsed.error}`);
    const origin = parsed.indexes.length > 0 ? `/${originPath(parsed.indexes)}` : '';
    return `[${s.fingerprint}${origin}]${s.xpub}/${tail}`;
  });
  const inner = `sortedmulti(${policy.threshold},${keys.join(',')})`;
  return withChecksum(policy.script === 'p2wsh' ? `wsh(${inner})` : `sh(wsh(${inner}))`);
}

/** Receive (chain 0), change (chain 1) and the BIP-389 multipath `<0;1>/*` form. */
export function policyDescriptors(policy: DescriptorInput) {
  return { receive: build(policy, '0/*'), change: build(policy, '1/*'), multipath: build(policy, '<0;1>/*') };
}
