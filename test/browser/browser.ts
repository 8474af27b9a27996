// Debian's chromium driven by playwright-core (never a browser download), with every page's
// requests, console errors and CSP violations recorded, and an axe-core accessibility scan.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run here. In CI (CI=true) a missing chromium is a failure, never a
 * skip: .ci/run installs Debian's package. Elsewhere the suite says why it skips.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true')
    throw new Error(
      `chromium is not at ${CHROMIUM_PATH}: CI must install it (apt-get install -y chromium), the browser tests never skip in CI`,
    );
  console.warn(
    `browser tests skipped: no chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH, or apt-get install chromium)`,
  );
  return false;
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface Watch {
  requests: string[];
  consoleErrors: string[];
  cspViolations(): Promise<string[]>;
}

/** Records what a page does: every request URL, console errors and page errors, CSP violations. */
export async function watch(context: BrowserContext, page: Page): Promise<Watch> {
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  // A string, run by the browser before any page script (DOM types are not in this project's lib).
  await context.addInitScript(
    "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
  );
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return {
    requests,
    consoleErrors,
    cspViolations: () => page.evaluate('window.__csp ?? []') as Promise<string[]>,
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    "axe.run({ resultTypes: ['violations'] }).then((r) => r.violations)",
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${page.url()}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

/** Requests that went anywhere but the service under test on 127.0.0.1. */
export function offHost(requests: string[]): string[] {
  return requests.filter((u) => {
    if (u.startsWith('data:')) return false;
    try {
      return new URL(u).hostname !== '127.0.0.1';
    } catch {
      return true;
    }
  });
}
