import { Command } from 'commander';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../../db/client.js';
import { auditLog } from '../../../db/schema/platform.js';
import { registerKeysCommands } from '../../../src/cli/commands/keys.js';
import { ConfigError } from '../../../src/config.js';
import { authenticateSecret } from '../../../src/keys/service.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { tempDir } from '../../e2e/process.js';

// The `reserve keys` commands in-process, on the configured database: a PGlite data
// directory of their own, or this test's database on the PostgreSQL server.
// (That a running server's PGlite directory is refused is proven with real processes in test/e2e.)

let env: Record<string, string | undefined>;
let server: TestDatabase | undefined;
const dir = tempDir('cli');

beforeAll(async () => {
  server = process.env.DATABASE_URL ? await createTestDatabase({ poolSize: 2 }) : undefined;
  env = server ? { DATABASE_URL: server.url } : { DATA_DIR: dir.path };
});
afterAll(async () => {
  await server?.close();
  dir.remove();
});

async function cli(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => out.push(s) });
  registerKeysCommands(program, { env, out: (line) => out.push(line) });
  await program.parseAsync(['keys', ...args], { from: 'user' });
  return out;
}

/** The database the CLI used, opened after it closed it (so PGlite's directory is free). */
async function inspect<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const database = server ?? (await openDatabase({ dataDir: dir.path }));
  try {
    return await fn(database);
  } finally {
    if (!server) await database.close();
  }
}

// Each command opens (and on PGlite, first creates) the database: slow on a busy machine.
describe('reserve keys', { timeout: 120_000 }, () => {
  it('list runs the migrations first, so it works on a brand-new database', async () => {
    expect(await cli('list')).toEqual(['no API keys yet (the server creates the first admin key on its first start)']);
  });

  it('create prints the secret once; the key authenticates; the audit row names the cli actor', async () => {
    const out = await cli('create', '--role', 'admin', '--name', 'break-glass admin');
    expect(out).toHaveLength(3);
    const id = /^created (key_[0-9a-f]{20}) \(admin, "break-glass admin"\)$/.exec(out[0]!)?.[1];
    expect(id).toBeDefined();
    const secret = /^secret: (rsv_[A-Za-z0-9_-]{43})$/.exec(out[1]!)?.[1];
    expect(secret).toBeDefined();
    expect(out[2]).toContain('shown this once');
    await inspect(async ({ db }) => {
      expect(await authenticateSecret(db, secret!)).toEqual({ keyId: id, role: 'admin', name: 'break-glass admin' });
      const [row] = await db.select().from(auditLog).where(eq(auditLog.target, id!));
      expect(row).toMatchObject({
        action: 'keys.create',
        actorRole: 'cli',
        actorKeyId: null,
        outcome: 'ok',
        method: null,
      });
      expect(row!.requestId).toMatch(/^cli_[0-9a-f]{16}$/);
    });
  });

  it('create --json prints the key and its secret as JSON', async () => {
    const [line] = await cli('create', '--role', 'auditor', '--name', 'external auditor', '--json');
    const key = JSON.parse(line!);
    expect(key).toMatchObject({ role: 'auditor', name: 'external auditor', created_by: 'cli', revoked_at: null });
    expect(key.secret.startsWith(key.prefix)).toBe(true);
  });

  it('list prints a table without secrets, and --json the same keys', async () => {
    const table = await cli('list');
    expect(table[0]).toMatch(/^ID\s+ROLE\s+PREFIX\s+CREATED\s+STATUS\s+NAME$/);
    expect(table).toHaveLength(3);
    expect(table[1]).toMatch(/^key_[0-9a-f]{20}\s+admin\s+rsv_\S{8}\s+\S+Z\s+active\s+break-glass admin$/);
    expect(table.join('\n')).not.toMatch(/rsv_[A-Za-z0-9_-]{43}/);
    const json = JSON.parse((await cli('list', '--json'))[0]!);
    expect(json.items.map((k: { name: string }) => k.name)).toEqual(['break-glass admin', 'external auditor']);
    expect(JSON.stringify(json)).not.toContain('secret');
  });

  it('revoke revokes, says when, and changes nothing the second time', async () => {
    const { items } = JSON.parse((await cli('list', '--json'))[0]!);
    const auditor = items.find((k: { role: string }) => k.role === 'auditor');
    const [first] = await cli('revoke', auditor.id);
    expect(first).toMatch(new RegExp(`^revoked ${auditor.id} \\(auditor, "external auditor"\\) at \\S+Z$`));
    expect(await cli('revoke', auditor.id)).toEqual([first]);
    expect((await cli('list')).find((l) => l.startsWith(auditor.id))).toMatch(/revoked \S+Z/);
    await inspect(async ({ db }) => {
      const rows = await db.select().from(auditLog).where(eq(auditLog.target, auditor.id)).orderBy(desc(auditLog.seq));
      expect(rows.map((r) => `${r.actorRole} ${r.action}`)).toEqual(['cli keys.revoke', 'cli keys.create']);
    });
  });

  it('refuses an unknown key and the last active admin key, with a clear message', async () => {
    await expect(cli('revoke', 'key_nope')).rejects.toThrow('API key key_nope does not exist');
    const { items } = JSON.parse((await cli('list', '--json'))[0]!);
    const admin = items.find((k: { role: string }) => k.role === 'admin');
    await expect(cli('revoke', admin.id)).rejects.toThrow(
      'this is the last active admin key; create another admin key before revoking it',
    );
  });

  it('refuses a bad role, a blank or over-long name, and a missing option, writing nothing', async () => {
    const before = (await cli('list')).length;
    await expect(cli('create', '--role', 'root', '--name', 'x')).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
    await expect(cli('create', '--role', 'admin', '--name', '   ')).rejects.toThrow('--name: must not be empty');
    await expect(cli('create', '--role', 'admin', '--name', 'n'.repeat(201))).rejects.toThrow(
      '--name: must be at most 200 characters',
    );
    await expect(cli('create', '--role', 'admin')).rejects.toMatchObject({
      code: 'commander.missingMandatoryOptionValue',
    });
    expect((await cli('list')).length).toBe(before);
  });

  it('reads the same configuration as the server and refuses a bad value', async () => {
    const saved = env;
    env = { ...saved, DATABASE_URL: 'mysql://nope' };
    try {
      await expect(cli('list')).rejects.toThrow(ConfigError);
      await expect(cli('list')).rejects.toThrow(
        'invalid configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL',
      );
    } finally {
      env = saved;
    }
  });
});
