import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** One line describing the machine a benchmark ran on; figures mean little without it. */
export function machineLine(): string {
  const cpu = cpus();
  return `machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} free), load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, node ${process.version}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A verdict line: the figure beside its ceiling and the ratio the issue asks for. */
export function verdict(name: string, ok: boolean, text: string): string {
  return `${ok ? 'PASS' : 'FAIL'} ${name}: ${text}`;
}
