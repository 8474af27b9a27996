import { type Command, Option } from 'commander';
import { ROLES } from '../../context.js';
import { CreateKeySchema } from '../../keys/index.js';
import { createKey, listKeys, revokeKey, toKeyView } from '../../keys/index.js';
import { type CliIo, processIo, withOfflineSession } from '../offline.js';

/** Fixed-width columns; a header row and one row per item. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

export function registerKeysCommands(program: Command, io: CliIo = processIo) {
  const keys = program
    .command('keys')
    .description(
      'manage API keys offline, on the configured database (DATA_DIR or DATABASE_URL); refuses while a server holds a PGlite data directory',
    );

  keys
    .command('create')
    .description('create an API key and print its secret (shown this once only)')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .requiredOption('--name <name>', 'who or what holds the key, e.g. "treasury laptop 3"')
    .option('--json', 'print the key as JSON')
    .action(async (options: { role: string; name: string; json?: boolean }) => {
      const parsed = CreateKeySchema.safeParse({ name: options.name, role: options.role });
      if (!parsed.success) {
        throw new Error(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
      }
      const { key, secret } = await withOfflineSession(io, ({ ctx }) => createKey({ ctx, input: parsed.data }));
      const view = toKeyView(key);
      if (options.json) {
        io.out(JSON.stringify({ ...view, secret }));
        return;
      }
      io.out(`created ${view.id} (${view.role}, "${view.name}")`);
      io.out(`secret: ${secret}`);
      io.out('store it now: it is shown this once and only its hash is kept.');
    });

  keys
    .command('list')
    .description('list API keys (never their secrets)')
    .option('--json', 'print the keys as JSON')
    .action(async (options: { json?: boolean }) => {
      const views = (await withOfflineSession(io, ({ ctx }) => listKeys(ctx.db))).map(toKeyView);
      if (options.json) {
        io.out(JSON.stringify({ items: views }));
        return;
      }
      if (views.length === 0) {
        io.out('no API keys yet (the server creates the first admin key on its first start)');
        return;
      }
      const rows = views.map((k) => [
        k.id,
        k.role,
        k.prefix,
        k.created_at,
        k.revoked_at ? `revoked ${k.revoked_at}` : 'active',
        k.name,
      ]);
      for (const line of formatTable(['ID', 'ROLE', 'PREFIX', 'CREATED', 'STATUS', 'NAME'], rows)) io.out(line);
    });

  keys
    .command('revoke')
    .description('revoke an API key; revoking it again changes nothing, the last active admin key is kept')
    .argument('<id>', 'the key id, e.g. key_3f2a9c0d1e4b5a6c7d8e')
    .action(async (id: string) => {
      const key = toKeyView(await withOfflineSession(io, ({ ctx }) => revokeKey({ ctx, input: { id } })));
      io.out(`revoked ${key.id} (${key.role}, "${key.name}") at ${key.revoked_at}`);
    });
}
