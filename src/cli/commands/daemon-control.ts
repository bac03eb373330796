// cp|dp reload, stop and health: find the daemon of a prefix by its pid file and signal it, as
// Kong's `kong reload`, `kong quit` and `kong health` do with nginx.pid.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RuntimeError, UsageError } from '../../errors.js';
import { KONG_DEFAULT_PREFIX } from '../../daemon/prefix.js';
import { isRunning, pidFilePath, runningPid } from '../../daemon/pid-file.js';
import type { Io } from '../io.js';
import { outputFormat } from '../options.js';

export interface ControlFlags {
  prefix?: string;
  timeout?: string;
  wait?: string;
  output?: string;
}

type Role = 'control_plane' | 'data_plane';
const NAME: Record<Role, string> = { control_plane: 'control plane', data_plane: 'data plane' };

/** -p, else KONG_PREFIX, else Kong's default prefix, else where `run` falls back to ($HOME/.hybridctl). */
export function controlPrefix(flags: ControlFlags, io: Io): string {
  const given = flags.prefix ?? io.env.KONG_PREFIX;
  if (given) return resolve(given);
  if (existsSync(pidFilePath(KONG_DEFAULT_PREFIX))) return KONG_DEFAULT_PREFIX;
  const fallback = join(io.env.HOME ?? '/root', '.hybridctl');
  return existsSync(pidFilePath(fallback)) ? fallback : KONG_DEFAULT_PREFIX;
}

function running(prefix: string): number {
  const pid = runningPid(prefix);
  if (pid === null) throw new RuntimeError(`hybridctl is not running in ${prefix}`);
  return pid;
}

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || !Number.isFinite(n)) throw new UsageError(`invalid value '${value}' for ${flag}; expected a number of seconds`);
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the process is gone or the deadline passes; true when it is gone. */
async function gone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (isRunning(pid)) {
    if (Date.now() >= end) return false;
    await sleep(100);
  }
  return true;
}

export async function reloadAction(role: Role, flags: ControlFlags, io: Io): Promise<number> {
  const prefix = controlPrefix(flags, io);
  const pid = running(prefix);
  process.kill(pid, 'SIGHUP');
  io.out(`reload signal sent to the ${NAME[role]} in ${prefix} (pid ${pid}); its log says what was applied`);
  return 0;
}

/** Kong's `kong quit`: SIGQUIT, wait up to --timeout for the drain, then force the stop. */
export async function stopAction(role: Role, flags: ControlFlags, io: Io): Promise<number> {
  const timeout = Math.max(seconds('--timeout', flags.timeout, 10), 1);
  const wait = seconds('--wait', flags.wait, 0);
  const prefix = controlPrefix(flags, io);
  const pid = running(prefix);
  if (wait > 0 && (await gone(pid, wait * 1000))) throw new RuntimeError(`the ${NAME[role]} in ${prefix} stopped while waiting (unexpected)`);
  process.kill(pid, 'SIGQUIT');
  if (await gone(pid, timeout * 1000)) {
    io.out(`${NAME[role]} stopped (gracefully) in ${prefix}`);
    return 0;
  }
  // A second signal during the drain makes the daemon exit at once.
  if (isRunning(pid)) process.kill(pid, 'SIGTERM');
  if (!(await gone(pid, 5_000))) process.kill(pid, 'SIGKILL');
  io.out(`timeout: ${NAME[role]} stopped forcefully in ${prefix}`);
  return 0;
}

export async function healthAction(role: Role, flags: ControlFlags, io: Io): Promise<number> {
  const format = outputFormat(flags.output);
  const prefix = controlPrefix(flags, io);
  const pid = runningPid(prefix);
  if (format === 'json') {
    io.out(JSON.stringify({ prefix, running: pid !== null, pid }, null, 2));
    return pid === null ? 1 : 0;
  }
  if (pid === null) throw new RuntimeError(`hybridctl is not running in ${prefix}`);
  io.out(`${NAME[role]} is running in ${prefix} (pid ${pid})`);
  return 0;
}
