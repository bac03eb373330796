// cp run / dp run: load and check the configuration, take the prefix's pid file, start the daemon,
// reload it on SIGHUP and stop it on SIGQUIT/SIGTERM/SIGINT.
import { createLogger, type Level } from '../../log.js';
import { RuntimeError } from '../../errors.js';
import { assertDaemonConf } from '../../lint/index.js';
import { redactedEntries } from '../../conf/index.js';
import { acquirePidFile } from '../../daemon/pid-file.js';
import { daemonLifecycle, reloadLoop } from '../../daemon/lifecycle.js';
import type { LoadedConf } from '../../conf/index.js';
import { cpSettings, dpSettings, prefixOf } from '../../daemon/settings.js';
import { startControlPlane } from '../../daemon/control-plane.js';
import { startDataPlane } from '../../daemon/data-plane.js';
import type { Io } from '../io.js';
import { oneOf } from '../options.js';
import { loadDaemonConf, type DaemonFlags } from './daemon-conf.js';

// Kong's nginx levels folded onto ours.
const KONG_LEVELS: Record<string, Level> = { debug: 'debug', info: 'info', notice: 'info', warn: 'warn', error: 'error', crit: 'error', alert: 'error', emerg: 'error' };

function logSettings(flags: DaemonFlags, confLevel: string | undefined): { level: Level; format: 'text' | 'json' } {
  const format = oneOf('--log-format', flags.logFormat, ['text', 'json'] as const, 'text');
  const level = flags.logLevel ? oneOf('--log-level', flags.logLevel, ['debug', 'info', 'warn', 'error'] as const, 'info') : KONG_LEVELS[confLevel ?? 'info'] ?? 'info';
  return { level, format };
}

function proxyPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

type Listeners = Record<string, readonly ({ port: number } | null)[]>;

/** A port that cannot be bound, named by the kong.conf key (and flag) that asked for it. */
function startFailure(err: unknown, listeners: Listeners): never {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
    const keys = Object.entries(listeners).filter(([, ls]) => ls.some((l) => l?.port === e.port)).map(([k]) => k);
    const which = keys.length ? keys.map((k) => `${k} (--${k.replace(/_/g, '-')})`).join(' or ') : Object.keys(listeners).join(', ');
    throw new RuntimeError(`cannot listen on ${e.address ?? ''}:${e.port ?? ''}: ${e.code === 'EADDRINUSE' ? 'address in use' : 'permission denied'}`, {
      hint: `another process holds the port, or it needs privileges: change ${which}`,
    });
  }
  throw err;
}

export async function cpRunAction(flags: DaemonFlags, rest: string[], io: Io): Promise<number> {
  const started = { ...io, env: { ...io.env } };
  const loaded = loadDaemonConf('control_plane', flags, rest, started);
  const conf = assertDaemonConf(loaded, 'control_plane');
  const log = createLogger(logSettings(flags, conf.log_level));
  // A database error can quote what it was given; the passwords never reach a log line.
  for (const k of ['pg_password', 'pg_ro_password']) log.addSecret(loaded.entries.get(k)?.value ?? undefined);
  log.debug('configuration', { file: loaded.path ?? 'none', ...redactedEntries(loaded) });
  const settingsOf = (l: LoadedConf) => cpSettings(l, { home: io.env.HOME ?? '/root', workDir: io.env.HYBRIDCTL_WORK_DIR, now: io.now(), log });
  // Before anything is generated or opened: a second daemon on this prefix stops here.
  const lock = acquirePidFile(prefixOf(loaded, io.env.HOME ?? '/root'), 'cp');
  const settings = await settingsOf(loaded).catch((err: unknown) => {
    lock.release();
    throw err;
  });
  if (lock.unwritten) log.warn(`${lock.unwritten}; running without a pid file (reload, stop and health will not find this daemon)`);
  const life = daemonLifecycle({ log, lock });
  const cp = await startControlPlane(settings, log).catch((err: unknown) => {
    life.abandon();
    return startFailure(err, { cluster_listen: settings.clusterListen, admin_listen: settings.adminListen, status_listen: settings.statusListen });
  });
  return life.serve({
    close: () => cp.close(),
    reload: reloadLoop(loaded, {
      role: 'control_plane',
      log,
      load: () => {
        const next = loadDaemonConf('control_plane', flags, rest, started);
        assertDaemonConf(next, 'control_plane');
        return next;
      },
      settings: settingsOf,
      apply: async (next, l) => {
        await cp.reload(next);
        log.setLevel(logSettings(flags, l.conf.log_level).level);
      },
    }),
  });
}

export async function dpRunAction(flags: DaemonFlags, rest: string[], io: Io): Promise<number> {
  const started = { ...io, env: { ...io.env } };
  const loaded = loadDaemonConf('data_plane', flags, rest, started);
  const conf = assertDaemonConf(loaded, 'data_plane');
  const workerLog = logSettings(flags, conf.log_level);
  const log = createLogger(workerLog);
  log.debug('configuration', { file: loaded.path ?? 'none', ...redactedEntries(loaded) });
  const settingsOf = async (l: LoadedConf) => ({ ...dpSettings(l, { home: io.env.HOME ?? '/root', log }), workerLog: logSettings(flags, l.conf.log_level) });
  const lock = acquirePidFile(prefixOf(loaded, io.env.HOME ?? '/root'), 'dp');
  const settings = await settingsOf(loaded).catch((err: unknown) => {
    lock.release();
    throw err;
  });
  log.addSecret(proxyPassword(settings.forwardProxy?.url));
  if (lock.unwritten) log.warn(`${lock.unwritten}; running without a pid file (reload, stop and health will not find this daemon)`);
  const life = daemonLifecycle({ log, lock });
  const dp = await startDataPlane(settings, log).catch((err: unknown) => {
    life.abandon();
    return startFailure(err, { proxy_listen: settings.proxyListeners, status_listen: settings.statusListen });
  });
  return life.serve({
    close: () => dp.close(),
    reload: reloadLoop(loaded, {
      role: 'data_plane',
      log,
      load: () => {
        const next = loadDaemonConf('data_plane', flags, rest, started);
        assertDaemonConf(next, 'data_plane');
        return next;
      },
      settings: settingsOf,
      apply: async (next) => {
        await dp.reload(next);
        log.setLevel(next.workerLog.level);
      },
    }),
  });
}
