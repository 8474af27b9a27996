import { address as addressCodec } from 'bitcoinjs-lib';
import { type NetworkName, networkOf } from './networks.js';

export const MAX_ADDRESS_LENGTH = 90;

/**
 * The output script an address pays to on the given network, or null when the string is
 * not a valid address of that network (bad checksum, wrong prefix, unknown witness version).
 */
export function outputScriptOf(address: string, network: NetworkName): Uint8Array | null {
  if (address.length === 0 || address.length > MAX_ADDRESS_LENGTH) return null;
  try {
    return addressCodec.toOutputScript(address, networkOf(network));
  } catch {
    return null;
  }
}

/** The networks (among those given) on which the address is valid, with its output script. */
export function decodeAddress(
  address: string,
  candidates: readonly NetworkName[],
): { network: NetworkName; scriptPubKey: Uint8Array }[] {
  const found: { network: NetworkName; scriptPubKey: Uint8Array }[] = [];
  for (const network of candidates) {
    const scriptPubKey = outputScriptOf(address, network);
    if (scriptPubKey) found.push({ network, scriptPubKey });
  }
  return found;
}

/** The address an output script pays to on a network, or null for a script with no address form. */
export function addressOf(scriptPubKey: Uint8Array, network: NetworkName): string | null {
  try {
    return addressCodec.fromOutputScript(scriptPubKey, networkOf(network));
  } catch {
    return null;
  }
}
