// Runs `hybridctl cp run` / `dp run` as real processes with JSON logs, and waits on their lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { BIN } from './cli.js';

export interface LogLine {
  time: string;
  level: string;
  component?: string;
  msg: string;
  [field: string]: unknown;
}

export interface Daemon {
  proc: ChildProcess;
  lines: LogLine[];
  /** Raw stderr, for assertions that something never appears. */
  stderr(): string;
  waitFor(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function startDaemon(args: string[], env: Record<string, string | undefined> = {}): Daemon {
  const proc = spawn(process.execPath, [BIN, ...args, '--log-format', 'json'], {
    env: { ...process.env, CI: 'true', NO_COLOR: '1', HYBRIDCTL_DEBUG: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let raw = '';
  let partial = '';
  const waiters = new Set<() => void>();
  proc.stderr!.on('data', (d: Buffer) => {
    raw += d.toString();
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as LogLine);
      } catch {
        lines.push({ time: '', level: 'raw', msg: p });
      }
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((done) => proc.on('exit', (code) => {
    for (const w of waiters) w();
    done(code);
  }));
  const d: Daemon = {
    proc,
    lines,
    stderr: () => raw,
    exited,
    waitFor(pred, timeoutMs = 20_000, what = 'log line') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (hit) {
            cleanup();
            resolve(hit);
          } else if (proc.exitCode !== null) {
            cleanup();
            reject(new Error(`daemon exited (${proc.exitCode}) before ${what}:\n${raw}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${what}:\n${raw}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  onTestFinished(async () => {
    await d.stop();
  });
  return d;
}

export const listenOf = (v: unknown): { host: string; port: number } => {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(String(v));
  if (!m) throw new Error(`not an address: ${String(v)}`);
  return { host: m[1]!, port: Number(m[2]) };
};
