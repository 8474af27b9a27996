// The log key file: created on first start with mode 0600, the same key read back after, a file
// others can read refused, a missing LOG_KEY_FILE refused, a key named for another origin
// refused; and WITNESS_KEYS with its quorum.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLogSigner, parseWitnessKeys } from '../../../src/ledger/transparency/setup.js';
import {
  ALG_COSIGNATURE_V1,
  generateSigner,
  signerKeyString,
  verifierKeyString,
} from '../../../src/ledger/transparency/offline.js';

describe('the log key', () => {
  it('is created in DATA_DIR with mode 0600 and read back the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reserve-key-'));
    const first = loadLogSigner({ DATA_DIR: dir, REPORTING_ORIGIN: 'r.example' });
    const path = join(dir, 'transparency-log.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^PRIVATE\+KEY\+r\.example\/ledger\+[0-9a-f]{8}\+/);
    const again = loadLogSigner({ DATA_DIR: dir, REPORTING_ORIGIN: 'r.example' });
    expect(verifierKeyString(again)).toBe(verifierKeyString(first));
    expect(() => loadLogSigner({ DATA_DIR: dir, REPORTING_ORIGIN: 'other.example' })).toThrow(
      /named r\.example\/ledger/,
    );
    chmodSync(path, 0o644);
    expect(() => loadLogSigner({ DATA_DIR: dir, REPORTING_ORIGIN: 'r.example' })).toThrow(/chmod 600/);
  });

  it('LOG_KEY_FILE must exist; a Go-style signer key in it is used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reserve-key-'));
    expect(() => loadLogSigner({ LOG_KEY_FILE: join(dir, 'none.key') })).toThrow(/does not exist/);
    const signer = generateSigner('reserve.example/ledger');
    const path = join(dir, 'log.key');
    writeFileSync(path, `${signerKeyString(signer)}\n`, { mode: 0o600 });
    expect(verifierKeyString(loadLogSigner({ LOG_KEY_FILE: path }))).toBe(verifierKeyString(signer));
  });
});

describe('WITNESS_KEYS', () => {
  const a = generateSigner('a.example', ALG_COSIGNATURE_V1);
  const b = generateSigner('b.example');
  it('lists keys (0x01 keys become their cosignature form) with a quorum, default all', () => {
    const parsed = parseWitnessKeys(`${verifierKeyString(a)}, ${verifierKeyString(b)};quorum=1`);
    expect(parsed.quorum).toBe(1);
    expect(parsed.witnesses.map((w) => w.alg)).toEqual([ALG_COSIGNATURE_V1, ALG_COSIGNATURE_V1]);
    expect(parseWitnessKeys(verifierKeyString(a)).quorum).toBe(1);
    expect(parseWitnessKeys(undefined)).toEqual({ witnesses: [], quorum: 0 });
  });
  it('refuses a bad key, a duplicate, an unknown option and a quorum above the count', () => {
    expect(() => parseWitnessKeys('nope')).toThrow(/WITNESS_KEYS: nope/);
    expect(() => parseWitnessKeys(`${verifierKeyString(a)},${verifierKeyString(a)}`)).toThrow(/twice/);
    expect(() => parseWitnessKeys(`${verifierKeyString(a)};k=1`)).toThrow(/unknown option/);
    expect(() => parseWitnessKeys(`${verifierKeyString(a)};quorum=2`)).toThrow(/more than/);
  });
});
