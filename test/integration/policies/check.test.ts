import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bs58check from 'bs58check';
import { afterEach, describe, expect, it } from 'vitest';
import { runPoliciesCheck } from '../../../src/cli/commands/policies.js';
import { PolicyValidationError } from '../../../src/policies/document.js';
import { checkPoliciesDir, loadPoliciesDir } from '../../../src/policies/load.js';
import { EXAMPLE_POLICIES_DIR } from '../../support/app.js';

// `reserve policies check` and start-up read the same checks: every problem of every file in one
// run, each at file:line:column, and two files that would own the same addresses refused.

const cold = readFileSync(join(EXAMPLE_POLICIES_DIR, 'regtest-cold.yaml'), 'utf8');
const warm = readFileSync(join(EXAMPLE_POLICIES_DIR, 'regtest-warm.yaml'), 'utf8'); // cold's allowed destination
const dirs: string[] = [];
function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'reserve-policies-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const check = (dir: string) => {
  const lines: string[] = [];
  const code = runPoliciesCheck(dir, { env: {}, out: (l) => lines.push(l) });
  return { code, lines };
};
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

/** The same key under SLIP-132's Vpub version bytes (testnet P2WSH multisig, 0x02575483). */
function toVpub(tpub: string): string {
  const bytes = Buffer.from(bs58check.decode(tpub));
  Buffer.from('02575483', 'hex').copy(bytes, 0);
  return bs58check.encode(bytes);
}

describe('policy problems', () => {
  it('lists all of a file’s problems in one run, each at file:line:column, and exits 2', () => {
    const xpub3 =
      cold.match(/xpub: (tpub\w+)\n +tier/)?.[1] ??
      cold
        .match(/xpub: (tpub\w+)/g)!
        .at(-1)!
        .slice(6);
    const text = cold
      .replace('tier: cold', 'tier: frozen') // schema
      .replace('approvals: 3', 'approvals: many') // schema
      .replace(xpub3, `${xpub3.slice(0, -4)}AAAA`) // a key check, run although the schema failed
      .replace('threshold: 2', 'threshold: 2\ncolour: blue'); // unknown field
    const dir = dirWith({ 'bad.yaml': text });
    const { code, lines } = check(dir);
    expect(code).toBe(2);
    const file = join(dir, 'bad.yaml');
    expect(lines[0]).toBe(`4 problems in ${dir}:`);
    const at = (needle: string) => `${file}:${lineOf(text, needle)}:`;
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  ${at('tier: frozen')}7: tier: must be one of`)));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^  ${at('approvals: many')}\\d+: spending.approvals: `)),
    );
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  ${at('AAAA')}\\d+: signers\\[2\\]\\.xpub: `)));
    expect(lines).toContainEqual(expect.stringContaining('unknown field(s) colour'));
  });

  it('gives a YAML syntax error its line and column, alongside the other files’ problems', () => {
    const dir = dirWith({
      'a.yaml': 'id: a\nname: [unclosed\n',
      'b.yaml': cold.replace('threshold: 2', 'threshold: 5').replace('id: regtest-cold', 'id: b'),
    });
    const { code, lines } = check(dir);
    expect(code).toBe(2);
    expect(
      lines.some((l) => l.startsWith(`  ${join(dir, 'a.yaml')}:3:1: (yaml): `) || /a\.yaml:\d+:\d+: \(yaml\)/.test(l)),
    ).toBe(true);
    expect(lines).toContainEqual(
      expect.stringMatching(/b\.yaml:\d+:\d+: threshold: is 5 but there are only 3 signers/),
    );
  });

  it('refuses two files with the same key set, one of them in SLIP-132 form, naming both', () => {
    const slip132 = cold
      .replace('id: regtest-cold', 'id: regtest-cold-copy')
      .replace(/xpub: (tpub\w+)/g, (_m, key: string) => `xpub: ${toVpub(key)}`);
    expect(slip132).not.toContain('tpub');
    const dir = dirWith({ 'a-cold.yaml': cold, 'b-copy.yaml': slip132, 'c-warm.yaml': warm });
    const { issues } = checkPoliciesDir(dir);
    expect(issues).toEqual([
      {
        file: join(dir, 'b-copy.yaml'),
        field: 'signers',
        reason: `has the same keys, script and threshold as ${join(dir, 'a-cold.yaml')} (policy regtest-cold): both would own the same addresses; keep one`,
      },
    ]);
    expect(() => loadPoliciesDir(dir)).toThrow(PolicyValidationError);
    // the same keys at another threshold are another vault: accepted
    const other = dirWith({
      'a-cold.yaml': cold,
      'b-copy.yaml': slip132.replace('threshold: 2', 'threshold: 3'),
      'c-warm.yaml': warm,
    });
    expect(checkPoliciesDir(other).issues).toEqual([]);
  });
});
