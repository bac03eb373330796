// cp run / dp run: load and check the configuration, start the daemon, stop it on SIGINT/SIGTERM.
import { createLogger, type Level, type Logger } from '../../log.js';
import { RuntimeError, errorMessage } from '../../errors.js';
import { assertDaemonConf } from '../../lint/index.js';
import { redactedEntries } from '../../conf/index.js';
import { onShutdownSignal } from '../../daemon/signals.js';
import { cpSettings, dpSettings } from '../../daemon/settings.js';
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

async function serveUntilSignal(stop: () => Promise<void>, log: Logger): Promise<number> {
  return new Promise((done) => {
    const dispose = onShutdownSignal(async (signal) => {
      log.info('stopping', { signal });
      try {
        await stop();
        log.info('stopped');
        done(0);
      } catch (err) {
        log.error('shutdown failed', { error: errorMessage(err) });
        done(1);
      } finally {
        dispose();
      }
    });
  });
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
  const loaded = loadDaemonConf('control_plane', flags, rest, io);
  const conf = assertDaemonConf(loaded, 'control_plane');
  const log = createLogger(logSettings(flags, conf.log_level));
  log.debug('configuration', { file: loaded.path ?? 'none', ...redactedEntries(loaded) });
  const settings = await cpSettings(loaded, { home: io.env.HOME ?? '/root', workDir: io.env.HYBRIDCTL_WORK_DIR, now: io.now(), log });
  const cp = await startControlPlane(settings, log).catch((err: unknown) =>
    startFailure(err, { cluster_listen: [settings.clusterListen], admin_listen: [settings.adminListen], status_listen: [settings.statusListen] }),
  );
  return serveUntilSignal(() => cp.close(), log);
}

export async function dpRunAction(flags: DaemonFlags, rest: string[], io: Io): Promise<number> {
  const loaded = loadDaemonConf('data_plane', flags, rest, io);
  const conf = assertDaemonConf(loaded, 'data_plane');
  const workerLog = logSettings(flags, conf.log_level);
  const log = createLogger(workerLog);
  log.debug('configuration', { file: loaded.path ?? 'none', ...redactedEntries(loaded) });
  const settings = dpSettings(loaded, { home: io.env.HOME ?? '/root', log });
  log.addSecret(proxyPassword(settings.forwardProxy?.url));
  const dp = await startDataPlane({ ...settings, workerLog }, log).catch((err: unknown) =>
    startFailure(err, { proxy_listen: settings.proxyListeners, status_listen: [settings.statusListen] }),
  );
  return serveUntilSignal(() => dp.close(), log);
}
