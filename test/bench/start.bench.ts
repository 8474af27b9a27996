// Start-up: the time from spawning the service as `npm start` runs it (`node --enable-source-maps
// dist/src/main.js`, test/e2e/process.ts SERVICE_ENTRY) to its first 200 on GET /healthz, on a warm
// PGlite data directory and on a migrated PostgreSQL database; median of ROUNDS. Beside it the
// ceiling measured in the same run: `node -e` starting a process that listens and answers 200, so
// the ratio says what the service adds to a bare node start on this machine at this load. Also
// printed: the CPU the child had used by its first 200 (/proc utime+stime, so a loaded run still
// says something) and a fresh data directory's first start (initdb and every migration).
// Must: median < 2,000 ms on each engine on a quiet machine (issue 14).
// BENCH_START_ROUNDS (default 5) sets the rounds; the rounds alternate ceiling and service.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freePort, ROOT, SERVICE_ENTRY } from '../e2e/process.js';
import { machineLine, median, verdict } from './machine.js';

const SERVER = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_START_ROUNDS ?? 5);
const MUST_MS = 2000;
const TIMEOUT_MS = 60_000;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** One GET /healthz: its status, or null when nothing listens yet. */
function probe(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? null));
    });
    req.once('error', () => resolve(null));
    req.end();
  });
}

/** CPU milliseconds (user + system) from a /proc stat file: a process's, or one of its threads'. */
function cpuMs(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS; // utime, stime
}

interface Start {
  ms: number;
  /** Every thread's CPU (JS, GC, WebAssembly tier-up, libuv) by the first 200. */
  cpuMs: number;
  /** The main thread's alone: the critical path, about the wall time on a quiet machine. */
  mainCpuMs: number;
}

/** Spawns args, polls /healthz until a 200, stops the process with SIGTERM; the time to that 200. */
async function timeStart(args: string[], env: NodeJS.ProcessEnv, port: number): Promise<Start> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  try {
    for (;;) {
      if (exited) throw new Error(`${args.join(' ')} exited before answering:\n${stderr}`);
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`no 200 on /healthz in ${TIMEOUT_MS} ms`);
      if ((await probe(port)) === 200) {
        const ms = performance.now() - started;
        const pid = child.pid!;
        return { ms, cpuMs: cpuMs(`/proc/${pid}/stat`), mainCpuMs: cpuMs(`/proc/${pid}/task/${pid}/stat`) };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await gone;
  }
}

const bare = (port: number) => [
  '-e',
  `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`,
];

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _unset, ...rest } = process.env;
  return { ...rest, LOG_LEVEL: 'warn', ...extra };
}

function summary(label: string, starts: Start[]): string {
  const ms = median(starts.map((s) => s.ms));
  const cpu = median(starts.map((s) => s.cpuMs));
  const main = median(starts.map((s) => s.mainCpuMs));
  return `${label}: median ${ms.toFixed(0)} ms to the first 200 (runs ${starts.map((s) => s.ms.toFixed(0)).join(', ')}), CPU ${cpu.toFixed(0)} ms, of it the main thread ${main.toFixed(0)} ms`;
}

console.log(machineLine());
// `npm start` compiles first (a no-op when dist/ is up to date): not part of a start's time.
execFileSync(process.execPath, [join(ROOT, 'bin', 'build.mjs')], { stdio: 'inherit' });

const dataDir = mkdtempSync(join(tmpdir(), 'reserve-bench-start-'));
const name = `reserve_bench_start_${process.pid}_${randomBytes(3).toString('hex')}`;
const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${name}"`);
const url = new URL(SERVER);
url.pathname = `/${name}`;
let failed = false;
try {
  const port = await freePort();
  const service = ['--enable-source-maps', SERVICE_ENTRY];
  const pglite = env({ DATA_DIR: join(dataDir, 'pglite'), PORT: String(port) });
  const server = env({ DATA_DIR: join(dataDir, 'pg'), PORT: String(port), DATABASE_URL: url.toString() });
  // First starts: initdb (PGlite) and every migration; the warm starts below measure what an operator restarts.
  const freshPglite = await timeStart(service, pglite, port);
  const freshServer = await timeStart(service, server, port);
  console.log(
    `first start (initdb/migrations): PGlite ${freshPglite.ms.toFixed(0)} ms, PostgreSQL ${freshServer.ms.toFixed(0)} ms`,
  );
  const ceiling: Start[] = [];
  const onPglite: Start[] = [];
  const onServer: Start[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ceiling.push(await timeStart(bare(port), env({}), port));
    onPglite.push(await timeStart(service, pglite, port));
    onServer.push(await timeStart(service, server, port));
  }
  const bareMs = median(ceiling.map((s) => s.ms));
  console.log(summary('ceiling, node -e listening', ceiling));
  for (const [label, starts] of [
    ['PGlite, warm data directory', onPglite],
    ['PostgreSQL, migrated database', onServer],
  ] as const) {
    console.log(summary(label, starts));
    const ms = median(starts.map((s) => s.ms));
    const ok = ms < MUST_MS;
    failed ||= !ok;
    console.log(
      verdict(
        `start ${label}`,
        ok,
        `${ms.toFixed(0)} ms (must < ${MUST_MS} ms), ${(ms / bareMs).toFixed(1)}x the bare node start (${bareMs.toFixed(0)} ms)`,
      ),
    );
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
console.log(machineLine());
process.exit(failed ? 1 : 0);
