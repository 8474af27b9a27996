import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Module doors, checked: a file in src/<a>/ may import another module <b> only through
// src/<b>/index.ts, unless <b> is a shared kernel; and no two modules depend on each other,
// even through others. Imports are read with the TypeScript compiler's own pre-processor.

const SRC = resolve(import.meta.dirname, '../../../src');
const KERNELS = new Set(['http', 'money', 'bitcoin', 'ids', 'context', 'logger', 'db']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The module a path under src/ belongs to: its first folder, or the file's own name for a top-level file. */
function moduleOf(path: string): { module: string; rest: string } | null {
  const rel = relative(SRC, path).split('\\').join('/');
  if (rel.startsWith('..')) return null;
  const [first, ...rest] = rel.split('/');
  return { module: rest.length === 0 ? first!.replace(/\.tsx?$|\.js$/, '') : first!, rest: rest.join('/') };
}

export interface Edge {
  file: string;
  specifier: string;
  from: string;
  to: string;
  viaDoor: boolean;
}

export function importEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of filesUnder(SRC)) {
    const from = moduleOf(file)!;
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) continue;
      const target = moduleOf(resolve(dirname(file), specifier));
      if (!target || target.module === from.module) continue;
      edges.push({
        file: relative(resolve(SRC, '..'), file),
        specifier,
        from: from.module,
        to: target.module,
        // index.ts, or pure.ts: a module's door to its parts that need no database (ledger/pure.ts)
        viaDoor: /^(index|pure)\.[jt]s$/.test(target.rest) || target.rest === '',
      });
    }
  }
  return edges;
}

const DATABASE_PACKAGE = /^(drizzle-orm|postgres|@electric-sql\/pglite)(\/|$)/;

/** The .ts file a relative specifier names (`./x.js` is `./x.ts` here), or null. */
function sourceOf(from: string, specifier: string): string | null {
  const path = resolve(dirname(from), specifier);
  for (const candidate of [path.replace(/\.js$/, '.ts'), path.replace(/\.js$/, '.tsx'), path])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return null;
}

/**
 * Every way `files` reach the database, following relative imports through any door: each
 * path ends at a file under db/ or a database package (drizzle-orm, postgres, pglite).
 */
export function databaseReach(files: string[]): string[] {
  const root = resolve(SRC, '..');
  const seen = new Set<string>();
  const found: string[] = [];
  const walk = (file: string, path: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const here = [...path, relative(root, file)];
    for (const { fileName: specifier } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!specifier.startsWith('.')) {
        if (DATABASE_PACKAGE.test(specifier)) found.push([...here, specifier].join(' -> '));
        continue;
      }
      const target = sourceOf(file, specifier);
      if (!target) continue;
      if (relative(root, target).startsWith('db/')) found.push([...here, relative(root, target)].join(' -> '));
      else walk(target, here);
    }
  };
  for (const file of files) walk(file, []);
  return found;
}

/** Top-level files (app.ts, main.ts, server.ts, config.ts) compose the modules; they are not one. */
const isModule = (name: string, files: Set<string>) => !files.has(name);

describe('module boundaries', () => {
  const edges = importEdges();
  const topLevel = new Set(
    readdirSync(SRC)
      .filter((n) => /\.tsx?$/.test(n))
      .map((n) => n.replace(/\.tsx?$/, '')),
  );

  it('reads the imports of every file in src/', () => {
    expect(edges.length).toBeGreaterThan(100);
  });

  it('imports another module only through its door (src/<module>/index.ts), shared kernels apart', () => {
    const breaches = edges
      .filter((e) => isModule(e.from, topLevel) && isModule(e.to, topLevel) && !KERNELS.has(e.to) && !e.viaDoor)
      .map((e) => `${e.file} imports '${e.specifier}' (module ${e.to}: import '${e.to}/index.js' instead)`);
    expect(breaches, breaches.join('\n')).toEqual([]);
  });

  it('src/verify and every pure.ts door reach no database (db/, drizzle), directly or through a door', () => {
    const pureDoors = readdirSync(SRC)
      .map((name) => join(SRC, name, 'pure.ts'))
      .filter((path) => existsSync(path));
    const reach = databaseReach([...filesUnder(join(SRC, 'verify')), ...pureDoors]);
    expect(reach, reach.join('\n')).toEqual([]);
  });

  it('finds a database reached through a door (the check can fail)', () => {
    expect(databaseReach([join(SRC, 'ledger', 'index.ts')]).length).toBeGreaterThan(0);
  });

  it('has no cycle between modules', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of edges) {
      if (!isModule(e.from, topLevel) || !isModule(e.to, topLevel) || KERNELS.has(e.to)) continue;
      if (!graph.has(e.from)) graph.set(e.from, new Set());
      graph.get(e.from)!.add(e.to);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const walk = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) walk(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of [...graph.keys()].sort()) walk(node, []);
    const witnesses = cycles.map((c) => {
      const [a, b] = c.split(' -> ');
      const e = edges.find((x) => x.from === a && x.to === b)!;
      return `${c} (e.g. ${e.file} imports '${e.specifier}')`;
    });
    expect(witnesses, witnesses.join('\n')).toEqual([]);
  });
});
