// The console's CSS and scripts, served from the npm packages that ship them (no CDN, no build
// step): read once on first use and kept in memory; our own two files sit beside this one.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const own = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

const FILES: Record<string, { path: () => string; type: string }> = {
  'pico.min.css': { path: () => require.resolve('@picocss/pico/css/pico.min.css'), type: CSS },
  'uPlot.min.css': { path: () => require.resolve('uplot/dist/uPlot.min.css'), type: CSS },
  'uPlot.iife.min.js': { path: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: JS },
  'console.css': { path: () => own('console.css'), type: CSS },
  'console.js': { path: () => own('console.js'), type: JS },
};

const cache = new Map<string, { body: Buffer; type: string }>();

/** The asset of that name, or null for any other name (no path from the request reaches the file system). */
export function readAsset(name: string): { body: Buffer; type: string } | null {
  const file = FILES[name];
  if (!file) return null;
  let hit = cache.get(name);
  if (!hit) {
    hit = { body: readFileSync(file.path()), type: file.type };
    cache.set(name, hit);
  }
  return hit;
}
