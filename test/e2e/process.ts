import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { onPostgres, serverUrl } from '../support/db.js';

export const ROOT = join(import.meta.dirname, '..', '..');
/** The service and the CLI as `npm start` and bin/reserve.js run them: compiled into dist/ by the
 * test run's global setup (bin/build.mjs), so a test process loads no compiler. */
export const SERVICE_ENTRY = join(ROOT, 'dist', 'src', 'main.js');
export const CLI_ENTRY = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `reserve-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A fresh, empty database on the PostgreSQL server for one e2e run (the server migrates it). */
export async function serverDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!serverUrl) throw new Error('serverDatabase needs DATABASE_URL');
  const name = `reserve_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = postgres(serverUrl!, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** The environment a child gets: ours without DATABASE_URL (the caller adds the one it wants). */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, LOG_LEVEL: 'info', ...extra };
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  /** Everything the process wrote so far, stdout and stderr. */
  output(): string;
  /** The JSON log lines it wrote to stdout. */
  logs(): Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the compiled service (`node dist/src/main.js`) and resolves once it logs that it listens. */
export async function startServerProcess(env: NodeJS.ProcessEnv, timeoutMs = 100_000): Promise<ServerProcess> {
  // SERVER_NODE_ARGS adds node flags for a profiling run, e.g. "--cpu-prof --cpu-prof-dir=.tmp/prof".
  const nodeArgs = process.env.SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--enable-source-maps', SERVICE_ENTRY], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let all = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    all += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    all += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const logs = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      child.kill('SIGKILL'); // never leave a half-started server behind
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${all}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const listening = logs().find((l) => typeof l.msg === 'string' && l.msg.startsWith('Reserve listening'));
      if (listening) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(listening.port));
      }
    }, 25);
    void exited.then(({ code }) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${all}`));
    });
  });
  return { child, port, base: `http://127.0.0.1:${port}`, output: () => all, logs, exited };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the operator CLI through its bin script, as an operator would. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'reserve.js'), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

export interface TestService {
  dir: { path: string; remove(): void };
  server: ServerProcess;
  adminKey: string;
  /** A JSON call with the bootstrap admin key. */
  api(path: string, init?: RequestInit): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

/**
 * A service process on a fresh data directory (and a fresh database on the PostgreSQL server when
 * DATABASE_URL is set) that accepts the fleet's `secret`, with its bootstrap admin key.
 */
export async function startTestService(prefix: string, secret: string): Promise<TestService> {
  const dir = tempDir(prefix);
  const db = onPostgres ? await serverDatabase() : undefined;
  const cleanUp = async () => {
    await db?.drop();
    dir.remove();
  };
  let server: ServerProcess;
  try {
    server = await startServerProcess(
      childEnv({
        DATA_DIR: join(dir.path, 'data'),
        PORT: String(await freePort()),
        FLEET_WEBHOOK_SECRETS: secret,
        DATABASE_URL: db?.url,
      }),
      60_000,
    );
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const adminKey = readFileSync(join(dir.path, 'data', 'bootstrap-admin.key'), 'utf8').trim();
  return {
    dir,
    server,
    adminKey,
    async api(path, init = {}) {
      const r = await fetch(`${server.base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', ...init.headers },
      });
      return { status: r.status, json: await r.json() };
    },
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      await cleanUp();
    },
  };
}
