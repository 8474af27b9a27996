import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, ROOT } from './process.js';

describe('.ci/run', () => {
  it('fails loudly when PostgreSQL cannot be reached instead of skipping the server run', () => {
    const script = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(script).toMatch(/node \.ci\/postgres-ready\.mjs "\$PG_URL" 30 \|\| \{ echo "FATAL: [^"]+" >&2; exit 1; \}/);
    expect(script.indexOf('DATABASE_URL="$PG_URL" npm test')).toBeGreaterThan(
      script.indexOf('postgres-ready.mjs "$PG_URL" 30'),
    );
  });

  it('its readiness probe exits non-zero and says why when nothing answers', async () => {
    const port = await freePort(); // nothing listens there
    const probe = spawnSync(
      process.execPath,
      [join(ROOT, '.ci', 'postgres-ready.mjs'), `postgres://postgres@127.0.0.1:${port}/postgres`, '0'],
      { encoding: 'utf8' },
    );
    expect(probe.status).toBe(1);
    expect(probe.stderr).toMatch(/^PostgreSQL not ready: .*ECONNREFUSED/);
  });
});
