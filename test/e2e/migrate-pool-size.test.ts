import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.js';
import { migrationStatus, runMigrations } from '../../db/migrate.js';
import { onPostgres } from '../support/db.js';
import { serverDatabase } from './process.js';

// DATABASE_POOL_SIZE=1 on PostgreSQL: the migration lock and the migrations must share the one
// connection (they hung when the lock held it and the migrator waited for a second one).
describe.skipIf(!onPostgres)('migrations on PostgreSQL with a pool of one connection', () => {
  it('finish, twice (the second run finds nothing to do), and two instances starting together both finish', async () => {
    const server = await serverDatabase();
    try {
      const open = () => openDatabase({ databaseUrl: server.url, poolSize: 1 });
      const a = await open();
      const b = await open();
      try {
        const hung = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('migrations hung for 60 s')), 60_000).unref(),
        );
        await Promise.race([Promise.all([runMigrations(a), runMigrations(b)]), hung]);
        await Promise.race([runMigrations(a), hung]);
        expect(await migrationStatus(a)).toEqual({ current: true, pending: [] });
        expect(await migrationStatus(b)).toEqual({ current: true, pending: [] });
      } finally {
        await a.close();
        await b.close();
      }
    } finally {
      await server.drop();
    }
  }, 120_000);
});
