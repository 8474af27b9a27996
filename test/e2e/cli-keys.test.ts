// API keys never on the command line (argv is visible in `ps`): `reserve witness` and `reserve fleet
// follow` read theirs from RESERVE_API_KEY or --key-file, as `reserve reports` and `reserve export`
// do, and refuse --api-key with a message saying what to do instead, before calling anything.
// The compiled CLI as a process, against a real HTTP server that records what reaches it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY_REFUSED } from '../../src/cli/api-key.js';
import { RPC_PASSWORD_REFUSED } from '../../src/cli/commands/follow.js';
import { generateSigner, verifierKeyString } from '../../src/ledger/pure.js';
import { CLI_ENTRY, childEnv, ROOT, tempDir } from './process.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const LOG_KEY = verifierKeyString(generateSigner('reserve.example'));
let server: Server;
let base: string;
let seen: { method: string; url: string; authorization?: string }[] = [];
const dir = tempDir('cli-keys');

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    res.writeHead(req.url!.startsWith('/v1/policies') ? 401 : 503, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ title: 'no', status: 401 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  dir.remove();
});
beforeEach(() => {
  seen = [];
});

function reserve(args: string[], extra: Record<string, string | undefined> = {}) {
  const env = childEnv({ RESERVE_API_KEY: undefined, FLEET_WEBHOOK_SECRET: undefined, ...extra });
  delete env.FLEET_WEBHOOK_SECRETS;
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const witnessArgs = (state: string) => ['witness', '--url', base, '--state', state, '--log-key', LOG_KEY];
const followArgs = () => [
  ...['fleet', 'follow', '--api-url', base, '--rpc-url', base, '--url', `${base}/v1/webhooks/fleet`],
  ...['--state', join(dir.path, 'follow-state.json'), '--once', '--retries', '0', '--no-progress'],
];

describe('API keys are not taken on the command line', () => {
  it('reserve witness --api-key is refused, exit 2, before any request or state', async () => {
    const state = join(dir.path, 'refused-state.json');
    const run = await reserve([...witnessArgs(state), '--api-key', 'rsv_on_argv'], { RESERVE_API_KEY: 'rsv_env' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`reserve witness: ${API_KEY_REFUSED}\n`);
    expect(seen).toEqual([]);
    expect(existsSync(state)).toBe(false);
  });

  it('reserve fleet follow --api-key is refused, exit 1, before any request', async () => {
    const run = await reserve([...followArgs(), '--api-key', 'rsv_on_argv'], {
      RESERVE_API_KEY: 'rsv_env',
      FLEET_WEBHOOK_SECRET: SECRET,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`reserve: ${API_KEY_REFUSED}`);
    expect(seen).toEqual([]);
    expect(existsSync(join(dir.path, 'follow-state.json'))).toBe(false);
  });

  it('reserve fleet follow --rpc-password is refused, exit 1, before any request', async () => {
    const run = await reserve([...followArgs(), '--rpc-user', 'node', '--rpc-password', 'on-argv'], {
      RESERVE_API_KEY: 'rsv_env',
      FLEET_WEBHOOK_SECRET: SECRET,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`reserve: ${RPC_PASSWORD_REFUSED}`);
    expect(seen).toEqual([]);
    expect(existsSync(join(dir.path, 'follow-state.json'))).toBe(false);
    const help = await reserve(['fleet', 'follow', '--help']);
    expect(help.stdout).not.toContain('--rpc-password');
  });

  it('neither help lists --api-key; both name --key-file', async () => {
    for (const args of [
      ['witness', '--help'],
      ['fleet', 'follow', '--help'],
    ]) {
      const help = await reserve(args);
      expect(help.status, args.join(' ')).toBe(0);
      expect(help.stdout).not.toContain('--api-key');
      expect(help.stdout).toContain('--key-file <file>');
    }
  });

  it('reserve witness sends the key of --key-file, else of RESERVE_API_KEY; no key is exit 2', async () => {
    const signer = join(dir.path, 'witness.key');
    const keygen = await reserve(['witness', 'keygen', '--name', 'w.example', '--key', signer]);
    expect(keygen.status, keygen.stderr).toBe(0);
    // Written where --key says (the parent command has a --key too: it once took the value).
    expect(readFileSync(signer, 'utf8')).toMatch(/^PRIVATE\+KEY\+w\.example\+/);
    const keyFile = join(dir.path, 'auditor.key');
    writeFileSync(keyFile, 'rsv_from_file\n', { mode: 0o600 });
    const state = join(dir.path, 'state.json');
    const fromFile = await reserve([...witnessArgs(state), '--key', signer, '--key-file', keyFile], {
      RESERVE_API_KEY: 'rsv_env',
    });
    expect(fromFile.status).toBe(2);
    expect(fromFile.stderr).toContain('GET /v1/transparency/checkpoint: HTTP 503');
    expect(seen).toEqual([
      { method: 'GET', url: '/v1/transparency/checkpoint', authorization: 'Bearer rsv_from_file' },
    ]);
    seen = [];
    const fromEnv = await reserve([...witnessArgs(state), '--key', signer], { RESERVE_API_KEY: 'rsv_env' });
    expect(fromEnv.status).toBe(2);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer rsv_env']);
    seen = [];
    const none = await reserve([...witnessArgs(state), '--key', signer]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('an API key is needed: set RESERVE_API_KEY or give --key-file FILE');
    // The witness's own signer key given as the API key file: said so, and not sent anywhere.
    const mixedUp = await reserve([...witnessArgs(state), '--key', signer, '--key-file', signer]);
    expect(mixedUp.status).toBe(2);
    expect(mixedUp.stderr).toContain(`the key file ${signer} holds a witness signer key, not an API key`);
    expect(seen).toEqual([]);
    expect(existsSync(state)).toBe(false);
  });

  it('reserve fleet follow sends the key of --key-file or RESERVE_API_KEY to learn the vault', async () => {
    const keyFile = join(dir.path, 'reader.key');
    writeFileSync(keyFile, 'rsv_reader_file\n', { mode: 0o600 });
    const fromFile = await reserve([...followArgs(), '--key-file', keyFile], { FLEET_WEBHOOK_SECRET: SECRET });
    expect(fromFile.status).toBe(1);
    expect(fromFile.stdout).toContain('Reserve API /v1/policies: 401');
    expect(seen).toEqual([{ method: 'GET', url: '/v1/policies', authorization: 'Bearer rsv_reader_file' }]);
    seen = [];
    const fromEnv = await reserve(followArgs(), { FLEET_WEBHOOK_SECRET: SECRET, RESERVE_API_KEY: 'rsv_reader_env' });
    expect(fromEnv.status).toBe(1);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer rsv_reader_env']);
    seen = [];
    const none = await reserve(followArgs(), { FLEET_WEBHOOK_SECRET: SECRET });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('an API key is needed: set RESERVE_API_KEY or give --key-file FILE');
    expect(seen).toEqual([]);
  });
});
