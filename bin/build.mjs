#!/usr/bin/env node
// Compiles src/ and db/ once into dist/ (same tree, .ts -> .js), so that `npm start` runs plain
// `node dist/src/main.js`: one process a supervisor can signal, no compiler loaded at start.
// Each file is transpiled on its own (no bundle) so import.meta.url keeps pointing next to the
// files it reads (db/migrations, src/console/assets), which are copied along. Type checking is
// `npm run typecheck`'s job; this only strips types (esbuild, already installed through tsx).
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const SOURCE = /\.tsx?$/;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

const started = performance.now();
const files = ['src', 'db'].flatMap((dir) => walk(join(root, dir)));
// Up to date (same files, none newer): nothing to do, and nothing printed, so a second
// `npm start` (or one the test suite's setup already built for) starts at once.
const stamp = `${files.length}:${Math.max(...files.map((f) => statSync(f).mtimeMs))}`;
const stampFile = join(out, '.build-stamp');
let current = '';
try {
  current = readFileSync(stampFile, 'utf8');
} catch {}
if (current === stamp) process.exit(0);
// Built beside dist/ and swapped in, so a process running from dist/ never sees half a tree.
const staging = `${out}.${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const sources = files.filter((f) => SOURCE.test(f) && !f.endsWith('.d.ts'));
// A failed build leaves no staging tree behind (dist/ keeps the last good build).
process.on('exit', (code) => code !== 0 && rmSync(staging, { recursive: true, force: true }));
await build({
  entryPoints: sources,
  outdir: staging,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  jsxImportSource: 'hono/jsx',
  sourcemap: 'linked',
  logLevel: 'warning',
});
let copied = 0;
for (const file of files.filter((f) => !SOURCE.test(f))) {
  const target = join(staging, relative(root, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
  copied++;
}
writeFileSync(join(staging, '.build-stamp'), stamp);
rmSync(out, { recursive: true, force: true });
renameSync(staging, out);
console.error(
  `build: ${sources.length} files compiled, ${copied} copied into dist/ in ${Math.round(performance.now() - started)} ms`,
);
