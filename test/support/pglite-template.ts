import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the migrated-PGlite dump for this tree's migrations lives. The name carries a
 * hash of every migration file, so a changed migration never reuses a stale template.
 */
export function pgliteTemplatePath(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(import.meta.dirname, '..', '..', 'db', 'migrations'));
  return join(tmpdir(), `reserve-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
}
