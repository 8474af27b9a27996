import { BIP32Factory } from 'bip32';
import { ECPairFactory } from 'ecpair';
import fc from 'fast-check';
import * as ecc from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { bip32 } from '../../../src/bitcoin/extended-key.js';
import { nativeBackend, tinyBackend } from '../../../src/bitcoin/secp256k1.js';
import {
  compareKeys,
  MultisigWallet,
  multisigScript,
  scriptsFor,
  type WalletSpec,
} from '../../../src/custody/multisig.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const H = 0x80000000;
const BIP48_TESTNET_P2WSH = [48 + H, 1 + H, 0 + H, 2 + H];

// Independently published multisig address vectors: the "VERIFIED ADDRESS VECTORS" set (39 multisig
// vectors, each cross-checked with Bitcoin Core 27.0.0 deriveaddresses and bitcoinjs-lib 6.1.5).
// The keys are BIP-48 m/48'/1'/0'/2' account xpubs of public test mnemonics; the first is the
// BIP-39 "abandon ... about" mnemonic's (fingerprint 73c5da0a).
const XPUBS = [
  'tpubDFH9dgzveyD8zTbPUFuLrGmCydNvxehyNdUXKJAQN8x4aZ4j6UZqGfnqFrD4NqyaTVGKbvEW54tsvPTK2UoSbCC1PJY8iCNiwTL3RWZEheQ',
  'tpubDFPtPArj4GzBEFHohegg1Xatrc1Fi9oSox5LzuSRX91miwQxuUrEpBxpvDRsmZYJKYFhgdK3UStsjC8JKXfUbMinjFqiEM4uNwzVaCaHpys',
  'tpubDEfobrrtptRTbKf4gysDhoabneABDTAcdj3Vbn4XwPsLE2pmqpizSPRG6zHsbAMuiSgWmWPsYCLHTKTPpyrGJ5rAoTpKoQNZcxodiPf2tSJ',
  'tpubDEE4Jm56BMFvim9YMRrQCtBd8aTmL2Sf3HPzPW3MRcbHoQ3ebDT5efXFQUFsw8V2xYXvt85D2Q7gkHhedmK3Voc92LjF7jQAyu1MbxdXfw1',
  'tpubDF1XPWCbPDYVrURA71KhdLqNorNnpc5iic654VFkRZE1YKgESpL3ja6dTTdkGyJZEvsNeLLMZSE6opPNrBntLXkxeuW5SsvPrhv8GU9f7mU',
];
const VECTORS: { script: WalletSpec['script']; m: number; n: number; chain: 0 | 1; index: number; address: string }[] =
  [
    {
      script: 'p2wsh',
      m: 2,
      n: 3,
      chain: 0,
      index: 0,
      address: 'tb1qmv9kucx4tjtyfwddc3698p2flxqvts89n8kllr0hvdv7qs4z476s70nuf5',
    },
    {
      script: 'p2wsh',
      m: 2,
      n: 3,
      chain: 0,
      index: 1,
      address: 'tb1q80kfzwjz9cu95wgvpd9qr8pmkasr8en00ldsy4f9fqryhug4swns0eek2a',
    },
    {
      script: 'p2wsh',
      m: 2,
      n: 3,
      chain: 0,
      index: 2,
      address: 'tb1q82yt0ypaqzf4fhesr3zpqm3cxw29l4ep2he8tjtgqczgwc8c5yjsu6r8sa',
    },
    {
      script: 'p2wsh',
      m: 2,
      n: 3,
      chain: 1,
      index: 0,
      address: 'tb1qp58f8l2cmpl8wx5ms7gcr7zfamsspr47rn45j4z3v6drakeffk6q6ezllu',
    },
    {
      script: 'p2wsh',
      m: 2,
      n: 3,
      chain: 1,
      index: 2,
      address: 'tb1qq2tzrj967nj85dnp8plx9hra3pd3saeur72ydcaw2zrwflvfzjnstrmn79',
    },
    {
      script: 'p2wsh',
      m: 3,
      n: 5,
      chain: 0,
      index: 0,
      address: 'tb1qz5kppg02dsjc7k8gm5wgwg7hu3wsppp2s9s9urk8kse8d9txrftqh8tucp',
    },
    {
      script: 'p2wsh',
      m: 3,
      n: 5,
      chain: 0,
      index: 1,
      address: 'tb1q2lkp06u4nzqhmvn44f69ausgezqp0r0l339fcsan4n20fe2zdzjqts6szm',
    },
    {
      script: 'p2wsh',
      m: 3,
      n: 5,
      chain: 1,
      index: 0,
      address: 'tb1qqamsegf444jgkk9zxnn7sy23cu7el5ktv705c78ad5gvw8944heq6030ux',
    },
    {
      script: 'p2wsh',
      m: 3,
      n: 5,
      chain: 1,
      index: 2,
      address: 'tb1qk85tjmjkqcwwqeu3zy8jnpypch4egusmhu6080prpqzupk3q6epqasgwgt',
    },
    { script: 'p2sh-p2wsh', m: 2, n: 3, chain: 0, index: 0, address: '2N1J3ys6Z1bc7n4GTsNJ3EAR9v9Qd3LmtJq' },
    { script: 'p2sh-p2wsh', m: 2, n: 3, chain: 0, index: 1, address: '2NDScmxoH6xvBRPRqx9Yh4NuwPT2kmnhD8S' },
    { script: 'p2sh-p2wsh', m: 2, n: 3, chain: 1, index: 0, address: '2NAcMoQP9GukBfHFbUH7cLZ1mcEAQa8eSWe' },
    { script: 'p2sh-p2wsh', m: 2, n: 3, chain: 1, index: 1, address: '2MtPfRPSwe61qZt7AM6qyMiZUgLsSLZyq8W' },
    { script: 'p2sh-p2wsh', m: 3, n: 5, chain: 0, index: 0, address: '2N9bCetxdLwp7mPjcaGjyo1DDGofi6ysEWa' },
    { script: 'p2sh-p2wsh', m: 3, n: 5, chain: 0, index: 2, address: '2N1FogoceNuNo9Bxe6AqBrD8vPxxZs8hqTj' },
    { script: 'p2sh-p2wsh', m: 3, n: 5, chain: 1, index: 0, address: '2MsXSFWUu8Wo4VuHwJck9pwwiGnYuxvrRHE' },
    { script: 'p2sh-p2wsh', m: 3, n: 5, chain: 1, index: 2, address: '2N9BfoyozDkVy4Pgt2fnMnKMCsr3WZtSWzs' },
  ];

// Every vector runs on both elliptic-curve backends: libsecp256k1 (native) and tiny-secp256k1.
const BACKENDS = [
  ['libsecp256k1', BIP32Factory(nativeBackend()!)],
  ['tiny-secp256k1', BIP32Factory(tinyBackend)],
] as const;

function wallet(script: WalletSpec['script'], m: number, xpubs: string[], api = bip32) {
  return new MultisigWallet(
    {
      network: 'testnet',
      script,
      threshold: m,
      signers: xpubs.map((xpub, i) => ({ fingerprint: `0000000${i}`, path: BIP48_TESTNET_P2WSH, xpub })),
    },
    api,
  );
}

describe('multisig addresses against published vectors', () => {
  it.each(BACKENDS.flatMap(([backend, api]) => VECTORS.map((v) => ({ ...v, backend, api }))))(
    '$backend: $m-of-$n $script chain $chain index $index',
    ({ script, m, n, chain, index, address, api }) => {
      const derived = wallet(script, m, XPUBS.slice(0, n), api).derive(chain, index);
      expect(derived.address).toBe(address);
      expect(derived.chain).toBe(chain);
      expect(derived.index).toBe(index);
      expect(hex(derived.witnessScript)).toMatch(new RegExp(`^5${m}(21[0-9a-f]{66}){${n}}5${n}ae$`));
      if (script === 'p2sh-p2wsh') expect(hex(derived.redeemScript!)).toMatch(/^0020[0-9a-f]{64}$/);
      else expect(derived.redeemScript).toBeUndefined();
    },
  );

  it("does not depend on the order signers are listed in (BIP-67), per the vectors' key-ordering cases", () => {
    const reordered = [XPUBS[2]!, XPUBS[1]!, XPUBS[0]!];
    expect(wallet('p2wsh', 2, reordered).derive(0, 0).address).toBe(
      'tb1qmv9kucx4tjtyfwddc3698p2flxqvts89n8kllr0hvdv7qs4z476s70nuf5',
    );
  });

  it("keeps every signer's fingerprint and full path, in witness-script key order", () => {
    const derived = wallet('p2wsh', 2, XPUBS.slice(0, 3)).derive(1, 7);
    const keys = derived.bip32Derivations.map((d) => d.pubkey);
    expect([...keys].sort(compareKeys)).toEqual(keys);
    expect(hex(derived.witnessScript)).toBe(`52${keys.map((k) => `21${hex(k)}`).join('')}53ae`);
    expect(derived.bip32Derivations.map((d) => d.path)).toEqual(Array(3).fill("m/48'/1'/0'/2'/1/7"));
    expect(new Set(derived.bip32Derivations.map((d) => d.fingerprint))).toEqual(
      new Set(['00000000', '00000001', '00000002']),
    );
    // Each pubkey is the signer's xpub/1/7, derived independently here.
    for (const d of derived.bip32Derivations) {
      const xpub = XPUBS[Number(d.fingerprint.slice(-1))]!;
      expect(hex(d.pubkey)).toBe(
        hex(
          bip32
            .fromBase58(xpub, { wif: 0xef, bip32: { public: 0x043587cf, private: 0x04358394 } })
            .derive(1)
            .derive(7).publicKey,
        ),
      );
    }
  });

  it('any permutation of signers gives the same scripts (property)', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(XPUBS, { minLength: 5, maxLength: 5 }), fc.nat(50), (order, index) => {
        expect(wallet('p2wsh', 3, order).derive(0, index).address).toBe(
          wallet('p2wsh', 3, XPUBS).derive(0, index).address,
        );
      }),
      { numRuns: 20 },
    );
  });

  it('refuses bad chains and indexes, and two signers with one key', () => {
    const w = wallet('p2wsh', 2, XPUBS.slice(0, 3));
    expect(() => w.derive(2 as 0, 0)).toThrow(/chain/);
    expect(() => w.derive(0, -1)).toThrow(/index/);
    expect(() => w.derive(0, 0x80000000)).toThrow(/index/);
    expect(() => wallet('p2wsh', 2, [XPUBS[0]!, XPUBS[0]!, XPUBS[1]!]).derive(0, 0)).toThrow(/same key/);
  });
});

// BIP-383 test vectors (https://github.com/bitcoin/bips/blob/master/bip-0383.mediawiki).
describe('BIP-383 multisig script vectors', () => {
  it('sortedmulti(2,xpub6ERA.../*,xpub68NZ.../0/0/*): scripts 0, 1 and 2', () => {
    const a = bip32.fromBase58(
      'xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL',
    );
    const b = bip32
      .fromBase58(
        'xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y',
      )
      .derive(0)
      .derive(0);
    const expected = [
      '5221025d5fc65ebb8d44a5274b53bac21ff8307fec2334a32df05553459f8b1f7fe1b62102fbd47cc8034098f0e6a94c6aeee8528abf0a2153a5d8e46d325b7284c046784652ae',
      '52210264fd4d1f5dea8ded94c61e9641309349b62f27fbffe807291f664e286bfbe6472103f4ece6dfccfa37b211eb3d0af4d0c61dba9ef698622dc17eecdf764beeb005a652ae',
      '5221022ccabda84c30bad578b13c89eb3b9544ce149787e5b538175b1d1ba259cbb83321024d902e1a2fc7a8755ab5b694c575fce742c48d9ff192e63df5193e4c7afe1f9c52ae',
    ];
    expected.forEach((script, i) => {
      const keys = [a.derive(i).publicKey, b.derive(i).publicKey].sort(compareKeys);
      expect(hex(multisigScript(2, keys))).toBe(script);
    });
  });

  it('sh(wsh(multi(16, ...16 keys))) -> a9147fc63e13dc25e8a95a3cee3d9a714ac3afd96f1e87', () => {
    const keys = [
      '03669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0',
      '0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600',
      '0362a74e399c39ed5593852a30147f2959b56bb827dfa3e60e464b02ccf87dc5e8',
      '0261345b53de74a4d721ef877c255429961b7e43714171ac06168d7e08c542a8b8',
      '02da72e8b46901a65d4374fe6315538d8f368557dda3a1dcf9ea903f3afe7314c8',
      '0318c82dd0b53fd3a932d16e0ba9e278fcc937c582d5781be626ff16e201f72286',
      '0297ccef1ef99f9d73dec9ad37476ddb232f1238aff877af19e72ba04493361009',
      '02e502cfd5c3f972fe9a3e2a18827820638f96b6f347e54d63deb839011fd5765d',
      '03e687710f0e3ebe81c1037074da939d409c0025f17eb86adb9427d28f0f7ae0e9',
      '02c04d3a5274952acdbc76987f3184b346a483d43be40874624b29e3692c1df5af',
      '02ed06e0f418b5b43a7ec01d1d7d27290fa15f75771cb69b642a51471c29c84acd',
      '036d46073cbb9ffee90473f3da429abc8de7f8751199da44485682a989a4bebb24',
      '02f5d1ff7c9029a80a4e36b9a5497027ef7f3e73384a4a94fbfe7c4e9164eec8bc',
      '02e41deffd1b7cce11cde209a781adcffdabd1b91c0ba0375857a2bfd9302419f3',
      '02d76625f7956a7fc505ab02556c23ee72d832f1bac391bcd2d3abce5710a13d06',
      '0399eb0a5487515802dc14544cf10b3666623762fbed2ec38a3975716e2c29c232',
    ].map((k) => Buffer.from(k, 'hex'));
    expect(hex(scriptsFor(multisigScript(16, keys), 'p2sh-p2wsh', 'bitcoin').scriptPubKey)).toBe(
      'a9147fc63e13dc25e8a95a3cee3d9a714ac3afd96f1e87',
    );
  });

  it('wsh(multi(20, ...)) and sh(wsh(multi(20, ...))): the 17-20 key push form', () => {
    const wifs = [
      'KzoAz5CanayRKex3fSLQ2BwJpN7U52gZvxMyk78nDMHuqrUxuSJy',
      'KwGNz6YCCQtYvFzMtrC6D3tKTKdBBboMrLTsjr2NYVBwapCkn7Mr',
      'KxogYhiNfwxuswvXV66eFyKcCpm7dZ7TqHVqujHAVUjJxyivxQ9X',
      'L2BUNduTSyZwZjwNHynQTF14mv2uz2NRq5n5sYWTb4FkkmqgEE9f',
      'L1okJGHGn1kFjdXHKxXjwVVtmCMR2JA5QsbKCSpSb7ReQjezKeoD',
      'KxDCNSST75HFPaW5QKpzHtAyaCQC7p9Vo3FYfi2u4dXD1vgMiboK',
      'L5edQjFtnkcf5UWURn6UuuoFrabgDQUHdheKCziwN42aLwS3KizU',
      'KzF8UWFcEC7BYTq8Go1xVimMkDmyNYVmXV5PV7RuDicvAocoPB8i',
      'L3nHUboKG2w4VSJ5jYZ5CBM97oeK6YuKvfZxrefdShECcjEYKMWZ',
      'KyjHo36dWkYhimKmVVmQTq3gERv3pnqA4xFCpvUgbGDJad7eS8WE',
      'KwsfyHKRUTZPQtysN7M3tZ4GXTnuov5XRgjdF2XCG8faAPmFruRF',
      'KzCUbGhN9LJhdeFfL9zQgTJMjqxdBKEekRGZX24hXdgCNCijkkap',
      'KzgpMBwwsDLwkaC5UrmBgCYaBD2WgZ7PBoGYXR8KT7gCA9UTN5a3',
      'KyBXTPy4T7YG4q9tcAM3LkvfRpD1ybHMvcJ2ehaWXaSqeGUxEdkP',
      'KzJDe9iwJRPtKP2F2AoN6zBgzS7uiuAwhWCfGdNeYJ3PC1HNJ8M8',
      'L1xbHrxynrqLKkoYc4qtoQPx6uy5qYXR5ZDYVYBSRmCV5piU3JG9',
      'KzRedjSwMggebB3VufhbzpYJnvHfHe9kPJSjCU5QpJdAW3NSZxYS',
      'Kyjtp5858xL7JfeV4PNRCKy2t6XvgqNNepArGY9F9F1SSPqNEMs3',
      'L2D4RLHPiHBidkHS8ftx11jJk1hGFELvxh8LoxNQheaGT58dKenW',
      'KyLPZdwY4td98bKkXqEXTEBX3vwEYTQo1yyLjX2jKXA63GBpmSjv',
    ];
    const ecpair = ECPairFactory(ecc);
    const keys = wifs.map((w) => ecpair.fromWIF(w).publicKey);
    const script = multisigScript(20, keys);
    expect(hex(scriptsFor(script, 'p2wsh', 'bitcoin').scriptPubKey)).toBe(
      '0020376bd8344b8b6ebe504ff85ef743eaa1aa9272178223bcb6887e9378efb341ac',
    );
    expect(hex(scriptsFor(script, 'p2sh-p2wsh', 'bitcoin').scriptPubKey)).toBe(
      'a914c2c9c510e9d7f92fd6131e94803a8d34a8ef675e87',
    );
  });

  it('refuses threshold 0, a threshold above the keys, and uncompressed keys (BIP-383 invalid cases)', () => {
    const key = Buffer.from('03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd', 'hex');
    expect(() => multisigScript(0, [key])).toThrow();
    expect(() => multisigScript(3, [key, key])).toThrow();
    const uncompressed = Buffer.from(
      '04a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa03918ba2d492eea75abea235',
      'hex',
    );
    expect(() => multisigScript(1, [key, uncompressed])).toThrow(/compressed/);
  });
});

// BIP-32 test vector 1 (https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki#test-vector-1):
// the public child derivation the wallets use, from the published m/0H/1/2H extended public key.
describe('BIP-32 public derivation vectors', () => {
  it.each(BACKENDS)('%s: m/0H/1/2H -> /2 -> /1000000000', (_backend, api) => {
    const node = api.fromBase58(
      'xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5',
    );
    const child = node.derive(2);
    expect(child.toBase58()).toBe(
      'xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV',
    );
    expect(child.derive(1000000000).toBase58()).toBe(
      'xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy',
    );
  });
});
