import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamTo } from '../../../src/cli/commands/export.js';
import { apiGet, CliFailure, table } from '../../../src/cli/commands/reports.js';

// The HTTP client of `reserve reports` and `reserve export` against a real HTTP server (node:http)
// that answers as the service does, including what the service cannot easily be made to do on
// demand: a transfer cut off half-way, a proxy's HTML 502. The happy path and the service's own
// refusals run against the real service in test/e2e/reports-cli.test.ts.

describe('reserve reports/export HTTP client', () => {
  let server: Server;
  let base: string;
  const seen: { url: string; authorization?: string }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'reserve-cli-client-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url!, authorization: req.headers.authorization });
      if (req.url!.startsWith('/refused')) {
        res.writeHead(422, { 'content-type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            title: 'Validation failed',
            status: 422,
            detail: 'query.to: must be after from; query.from: bad',
            errors: [
              { field: 'query.to', reason: 'must be after from' },
              { field: 'query.from', reason: 'bad' },
            ],
          }),
        );
      } else if (req.url!.startsWith('/conflict')) {
        res.writeHead(409, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: 'Conflict', status: 409, detail: 'the export is busy' }));
      } else if (req.url!.startsWith('/proxy')) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>bad gateway</html>');
      } else if (req.url!.startsWith('/cut')) {
        res.writeHead(200, { 'content-type': 'application/jsonl' });
        res.write('{"line":1}\n');
        setTimeout(() => res.destroy(), 50); // the connection dies before the manifest
      } else {
        res.writeHead(200, { 'content-type': 'application/jsonl' });
        res.end('{"line":1}\n{"manifest":{}}\n');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ RESERVE_URL: base, RESERVE_API_KEY: 'rsv_test_key' });
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliFailure);
    return (error as CliFailure).message;
  };

  it('sends the key as a bearer token and leaves unset options out of the query', async () => {
    await apiGet({}, '/ok', { as_of: '2026-01-01T00:00:00Z', known_at: undefined }, env());
    expect(seen.at(-1)).toEqual({ url: '/ok?as_of=2026-01-01T00%3A00%3A00Z', authorization: 'Bearer rsv_test_key' });
    expect(await failure(apiGet({}, '/ok', {}, { RESERVE_URL: base }))).toMatch(/RESERVE_API_KEY or give --key-file/);
  });

  it('prints a problem as its title, its detail when it says more, and each field: reason in order', async () => {
    expect(await failure(apiGet({}, '/refused', {}, env()))).toBe(
      'Validation failed (HTTP 422)\n  query.to: must be after from\n  query.from: bad',
    );
    expect(await failure(apiGet({}, '/conflict', {}, env()))).toBe('Conflict (HTTP 409)\nthe export is busy');
    expect(await failure(apiGet({}, '/proxy', {}, env()))).toBe(
      '/proxy: HTTP 502 Bad Gateway\n<html>bad gateway</html>',
    );
  });

  it('renames --out into place only once the whole export has arrived', async () => {
    const whole = join(dir, 'whole.jsonl');
    await streamTo(await apiGet({}, '/export', {}, env()), whole);
    expect(readFileSync(whole, 'utf8')).toBe('{"line":1}\n{"manifest":{}}\n');
    expect(existsSync(`${whole}.partial`)).toBe(false);

    const cut = join(dir, 'cut.jsonl');
    expect(await failure(apiGet({}, '/cut', {}, env()).then((r) => streamTo(r, cut)))).toMatch(
      /^the export to .*cut\.jsonl failed/,
    );
    expect(existsSync(cut)).toBe(false);
    expect(existsSync(`${cut}.partial`)).toBe(false);
  });

  it('pads columns and aligns amounts right', () => {
    expect(
      table(
        ['a', 'BTC'],
        [
          ['xyz', '1.00000000'],
          ['q', '10.00000000'],
        ],
        [1],
      ).split('\n'),
    ).toEqual(['a            BTC', '---  -----------', 'xyz   1.00000000', 'q    10.00000000']);
  });
});
