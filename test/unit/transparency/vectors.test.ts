// Published vectors: RFC 6962 tree hashes from transparency-dev/merkle (testonly/constants.go:
// LeafInputs, RootHashes, NodeHashes; testdata/inclusion and testdata/consistency happy paths),
// and signed notes from golang.org/x/mod/sumdb/note (note_test.go, the PeterNeumann key) and
// transparency-dev/formats (note/note_cosigv1_test.go: a cosignature/v1 key and timestamp).
import { describe, expect, it } from 'vitest';
import {
  ALG_COSIGNATURE_V1,
  ALG_ED25519,
  consistencyProof,
  cosignatureTime,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  memoryReader,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  rootAt,
  signNote,
  verifierKeyString,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/transparency/index.js';

const hex = (h: string) => Buffer.from(h, 'hex');
const b64 = (s: string) => Buffer.from(s, 'base64');

const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const LEAVES = LEAF_INPUTS.map(leafHash);

describe('RFC 6962 tree against transparency-dev/merkle testonly vectors', () => {
  it('empty root, leaf hashes and every root for sizes 0..8', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(ROOTS[0]);
    expect(LEAVES.map((l) => l.toString('hex'))).toEqual([
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
      '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
    ]);
    for (let n = 0; n <= 8; n++) expect(Buffer.from(rootAt(memoryReader(LEAVES), n)).toString('hex')).toBe(ROOTS[n]);
  });

  it('interior nodes (NodeHashes levels 1-3)', () => {
    const read = memoryReader(LEAVES);
    expect(Buffer.from(read(1, 1)).toString('hex')).toBe(
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    );
    expect(Buffer.from(read(2, 1)).toString('hex')).toBe(
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    );
    expect(Buffer.from(read(3, 0)).toString('hex')).toBe(ROOTS[8]);
  });

  it('testdata/inclusion/1/happy-path.json: leaf 0 in size 8', () => {
    const proof = [
      'lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=',
      'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=',
      'a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=',
    ].map(b64);
    const root = b64('XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=');
    expect(inclusionProof(memoryReader(LEAVES), 0, 8).map((h) => Buffer.from(h))).toEqual(proof);
    expect(() => verifyInclusion(b64('bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0='), 0, 8, proof, root)).not.toThrow();
  });

  it('testdata/inclusion/3/happy-path.json: leaf 2 in size 3', () => {
    const proof = [b64('+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=')];
    expect(inclusionProof(memoryReader(LEAVES), 2, 3).map((h) => Buffer.from(h))).toEqual(proof);
    verifyInclusion(
      b64('ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c='),
      2,
      3,
      proof,
      b64('rra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc='),
    );
  });

  it('testdata/consistency/1/happy-path.json: 1 -> 8, and 0/happy-path.json: 1 -> 1 with no proof', () => {
    const proof = [
      'lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=',
      'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=',
      'a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=',
    ].map(b64);
    expect(consistencyProof(memoryReader(LEAVES), 1, 8).map((h) => Buffer.from(h))).toEqual(proof);
    verifyConsistency(1, 8, proof, hex(ROOTS[1]!), hex(ROOTS[8]!));
    verifyConsistency(1, 1, [], hex(ROOTS[1]!), hex(ROOTS[1]!));
    expect(() => verifyConsistency(1, 8, [], hex(ROOTS[1]!), hex(ROOTS[8]!))).toThrow(/empty consistency proof/);
  });
});

describe('signed notes against golang.org/x/mod/sumdb/note note_test.go', () => {
  const skey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
  const vkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const signed = `${text}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

  it("the signer key gives the published verifier key, and signing gives TestSign's exact note", () => {
    const signer = parseSignerKey(skey);
    expect(verifierKeyString(signer)).toBe(vkey);
    expect(signNote(text, signer)).toBe(signed);
  });

  it('opens the published note with the published key; a changed byte fails', () => {
    const v = parseVerifierKey(vkey);
    expect(v.alg).toBe(ALG_ED25519);
    expect(openNote(signed, [v]).verifiedBy).toEqual([v]);
    expect(() => openNote(signed.replace('cryptography', 'cryptographY'), [v])).toThrow(/invalid signature/);
    // EnochRoot's signature line from TestOpen is ignored without its key.
    const enoch =
      '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
    const both = openNote(signed + enoch, [
      v,
      parseVerifierKey('EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop'),
    ]);
    expect(both.verifiedBy.map((x) => x.name)).toEqual(['PeterNeumann', 'EnochRoot']);
  });

  it('refuses the manglings TestNewVerifier refuses', () => {
    for (let i = 0; i < vkey.length; i++) {
      const mangled = vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
      expect(() => parseVerifierKey(mangled), mangled).toThrow();
    }
    expect(() =>
      parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
    ).toThrow();
    expect(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow();
  });

  it('refuses the malformed notes TestOpen refuses', () => {
    const v = parseVerifierKey(vkey);
    const sig = signed.slice(text.length + 1);
    for (const bad of [
      text,
      `${text}\n`,
      `${text}\n${sig.slice(0, -1)}`,
      `\u0001${text}\n${sig}`,
      `${text}\n${sig}Unexpected line.\n`,
    ])
      expect(() => openNote(bad, [v])).toThrow();
    expect(() => openNote(`${text}\n${sig.repeat(101)}`, [v])).toThrow(/more than 100/);
  });
});

describe('cosignature/v1 against transparency-dev/formats note_cosigv1_test.go', () => {
  it('parses the published native cosignature verifier key (key ID over type 0x04) and the type-0x01 key', () => {
    const remora = parseVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
    expect(remora.alg).toBe(ALG_COSIGNATURE_V1);
    expect(parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6').alg).toBe(ALG_ED25519);
    expect(() => parseVerifierKey('rekor.sigstore.dev+12345678+AwEB')).toThrow();
  });

  it('reads the timestamp of the published cosignature (TestCoSigV1Timestamp: 1727964367)', () => {
    const line =
      '\u2014 w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n';
    const [sig] = parseNote(`a\n\n${line}`).signatures;
    expect(cosignatureTime(sig!)).toBe(1727964367n);
  });

  it('a cosignature signs "cosignature/v1\\ntime <t>\\n" + body: verified under 0x04, refused under 0x01 or a changed time', () => {
    const signer = {
      ...parseSignerKey('PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'),
    };
    const cosigner = parseSignerKey(
      'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz',
      ALG_COSIGNATURE_V1,
    );
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const note = signNote(body, cosigner, 1679315147n);
    const [sig] = parseNote(note).signatures;
    expect(sig!.bytes.length).toBe(72);
    expect(cosignatureTime(sig!)).toBe(1679315147n);
    const verifier = { name: cosigner.name, alg: cosigner.alg, id: cosigner.id, publicKey: cosigner.publicKey };
    expect(openNote(note, [verifier]).verifiedBy).toHaveLength(1);
    expect(openNote(note, [signer]).verifiedBy).toHaveLength(0); // a different key ID: not the 0x01 key's line
    const bytes = Buffer.from(sig!.bytes);
    bytes.writeBigUInt64BE(1679315148n, 0);
    const idb = Buffer.alloc(4);
    idb.writeUInt32BE(sig!.id);
    const retimed = `${body}\n\u2014 ${sig!.name} ${Buffer.concat([idb, bytes]).toString('base64')}\n`;
    expect(() => openNote(retimed, [verifier])).toThrow(/invalid signature/);
  });
});
