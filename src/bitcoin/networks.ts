import { networks, type Network } from 'bitcoinjs-lib';

export const NETWORK_NAMES = ['bitcoin', 'testnet', 'signet', 'regtest'] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

// Signet shares testnet's address prefixes (tb1, m/n, 2); regtest has its own bech32 prefix (bcrt1).
const BY_NAME: Record<NetworkName, Network> = {
  bitcoin: networks.bitcoin,
  testnet: networks.testnet,
  signet: networks.testnet,
  regtest: networks.regtest,
};

/** The bitcoinjs-lib parameters of a network by its policy-file name. */
export function networkOf(name: NetworkName): Network {
  const network = BY_NAME[name];
  if (!network) throw new Error(`unknown network ${String(name)}`);
  return network;
}

export function isNetworkName(value: unknown): value is NetworkName {
  return typeof value === 'string' && (NETWORK_NAMES as readonly string[]).includes(value);
}

/** Mainnet keys and addresses differ from every test network's; the test networks share xpub versions. */
export function isMainnet(name: NetworkName): boolean {
  return name === 'bitcoin';
}

/** The BIP-44/48 coin type a derivation path should use on this network (0 mainnet, 1 every test network). */
export function coinTypeOf(name: NetworkName): 0 | 1 {
  return isMainnet(name) ? 0 : 1;
}
