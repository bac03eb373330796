// The data plane, as Kong starts one: serve the cached config if there is one, else the declarative
// file, else nothing; then connect to the CP and replace the config (and the cache) on every push.
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import { KONG_PROTOCOL_VERSION } from '../version.js';
import { ConfigError, errorMessage } from '../errors.js';
import { ensureDefaultProxyCert } from './proxy-cert.js';
import { openConfigCache } from '../cache/index.js';
import { stableNodeId } from '../cache/node-id.js';
import { configHashProblem, startSyncClient, type SyncClient } from '../cluster/client/index.js';
import { renderMetrics } from '../plugins/prometheus/exposition.js';
import { openAccessLog } from '../util/access-log.js';
import { X509Certificate } from 'node:crypto';
import { startStatus } from '../status/server.js';
import type { DpSettings } from './settings-types.js';
import { loadDeclarativeFile } from './declarative-file.js';
import { EMPTY_CONFIG_HASH, configHash } from '../cluster/protocol/hash.js';
import { startProxyWorkers, type ProxyFleet } from './proxy-workers.js';
import { CacheWriter } from './cache-writer.js';
import { buildPlan } from '../plugins/runtime/plan.js';
import type { ConfigTable } from '../proxy/config.js';
import type { EnabledSet } from './settings-types.js';
import { InvalidConfigTableError, assertValidConfigTable, configTableProblems } from '../proxy/validate-table.js';
import type { TableChange } from '../entities/table-change.js';
import { ensureDefaultCert } from './proxy-cert.js';
import { assertUsablePair, listenerTls, samePems, sameTls } from './reload-checks.js';

/**
 * A config this data plane can enforce whole: every plugin it names is enabled here and configured
 * as this node's schema for it allows. Throws with the first reason otherwise.
 */
export function assertEnforceable(configTable: Record<string, unknown>, plugins: EnabledSet): void {
  buildPlan(configTable as ConfigTable, plugins);
}

/**
 * What a config must pass before it is served or cached, wherever it comes from (a push, the
 * cache): the shape Kong's schema gives it, a real config hash, then every plugin enforceable.
 * Throws, naming what is wrong, and nothing has been touched yet.
 */
export function assertServable(configTable: unknown, hash: unknown, plugins: EnabledSet): asserts configTable is Record<string, unknown> {
  const badHash = configHashProblem(hash);
  if (badHash) throw new ConfigError(badHash);
  assertValidConfigTable(configTable);
  assertEnforceable(configTable, plugins);
}

/**
 * assertServable for an incremental sync: only the rows that changed are checked (the rest were
 * when they arrived), and the plugins again when a plugin, consumer or credential changed.
 */
export function assertChangesServable(configTable: Record<string, unknown>, changes: readonly TableChange[], plugins: EnabledSet): void {
  const rows: Record<string, unknown[]> = {};
  for (const c of changes) if (c.row) (rows[c.type] ??= []).push(c.row);
  const problems = configTableProblems(rows).map((p) => `changed ${p}`);
  if (problems.length > 0) throw new InvalidConfigTableError(problems);
  if (changes.some((c) => !ROUTING_FAMILIES.has(c.type))) assertEnforceable(configTable, plugins);
}

/** Families no plugin reads when its plan is built. */
const ROUTING_FAMILIES = new Set(['routes', 'services', 'upstreams', 'targets', 'certificates', 'snis', 'ca_certificates']);

export interface DataPlane {
  nodeId: string;
  /** `proxy`: the first plain listener (else the first). */
  addresses: { proxy: Listen; status: Listen | null };
  configHash(): string | null;
  /**
   * What SIGHUP applies without dropping proxy traffic: a rotated cluster certificate (the control
   * plane connection is re-established with it), the status TLS certificate, the workers' log
   * level. Throws, nothing changed, when a certificate cannot be used.
   */
  reload(next: DpSettings): Promise<void>;
  close(): Promise<void>;
}

type Listen = { host: string; port: number };

/** Kong: a config without entities gets the all-zero hash, and /status/ready stays 503 with it. */
export function effectiveHash(configTable: Record<string, unknown>, hash: string): string {
  const hasEntities = Object.entries(configTable).some(([k, v]) => !k.startsWith('_') && Array.isArray(v) && v.length > 0);
  return hasEntities ? hash : EMPTY_CONFIG_HASH;
}

export async function startDataPlane(s: DpSettings, log: Logger): Promise<DataPlane> {
  const nodeId = stableNodeId(s.prefix);
  const openCache = (keyPem: string) => openConfigCache({ prefix: s.prefix, mode: s.cacheMode, path: s.cachePath, keyPem, log: log.child('cache') });
  let cache = openCache(s.keyPem);
  const writes = new CacheWriter(() => cache);
  const opened: { close(): Promise<void> | void }[] = [{ close: async () => {
    await writes.flush();
    await cache.close();
  } }];
  try {
    if (s.proxyListeners.length === 0) throw new ConfigError('proxy_listen must be specified when role = "data_plane"');
    // What to serve before the CP answers is known before the first connection is accepted.
    const cached = cache.load();
    // A cache that replayed change records has no hash stored for the result: computed once here.
    let initial: { configTable: Record<string, unknown>; hash: string; syncVersion?: string } | null = cached && { ...cached, hash: cached.hash ?? configHash(cached.configTable).config_hash };
    let origin = 'the cached configuration';
    if (initial) {
      try {
        assertServable(initial.configTable, initial.hash, s.plugins);
      } catch (err) {
        // Serving it would leave what its plugins protect unprotected, or crash on it: nothing is served instead.
        log.error('not serving the cached configuration: this data plane cannot enforce it', { error: errorMessage(err), ...(configHashProblem(initial.hash) ? {} : { config_hash: initial.hash }) });
        initial = null;
      }
    }
    if (!initial && s.declarativeConfig) {
      initial = loadDeclarativeFile(s.declarativeConfig);
      origin = 'declarative_config';
      try {
        assertServable(initial.configTable, initial.hash, s.plugins);
      } catch (err) {
        throw new ConfigError(`declarative_config ${s.declarativeConfig} cannot be served: ${errorMessage(err)}`, [], {
          hint: 'enable the plugin on this data plane (kong.conf plugins) or remove it from the file',
        });
      }
    }
    const tls = s.proxyListeners.some((l) => l.ssl) ? (s.proxyTls ?? (await ensureDefaultProxyCert(s.prefix, log))) : undefined;
    const proxy: ProxyFleet = await startProxyWorkers({
      listeners: s.proxyListeners.map((l) => ({ host: l.host, port: l.port, tls: l.ssl ? tls : undefined, http2: l.ssl && l.http2 === true })),
      initial: initial?.configTable ?? null,
      workers: s.workers,
      plugins: s.plugins,
      nodeId,
      log,
      logLevel: s.workerLog?.level,
      logFormat: s.workerLog?.format,
      accessLog: s.accessLogs?.proxy ?? null,
    });
    const plain = proxy.addresses.find((a) => !a.tls) ?? proxy.addresses[0]!;
    opened.push(proxy);
    // The served config's hash is computed when first asked for (status, a v1 ping): a delta
    // changes a few rows, and hashing the whole table again would cost more than applying it.
    let served: { configTable: Record<string, unknown>; hash: string | null } | null = initial;
    const currentHash = (): string | null => {
      if (!served) return null;
      served.hash ??= configHash(served.configTable).config_hash;
      return effectiveHash(served.configTable, served.hash);
    };
    /** Sync v2: the version of what is served (only a cached config that came over v2 has one). */
    let syncVersion: string | null = origin === 'declarative_config' ? null : (initial?.syncVersion ?? null);
    if (initial) log.info(`serving ${origin} until the control plane answers`, { config_hash: currentHash(), ...(origin === 'declarative_config' ? { file: s.declarativeConfig } : {}) });
    else log.info('no cached configuration: every request gets 404 until the control plane sends one');

    const statusLog = s.statusListen.length > 0 ? openAccessLog(s.accessLogs?.status ?? null, 'status_access_log', log) : null;
    if (statusLog) opened.push(statusLog);
    // logrotate's convention (nginx reopens its logs on SIGUSR1).
    const reopen = () => {
      try {
        proxy.reopenLogs();
        statusLog?.reopen();
        log.info('access logs reopened');
      } catch (err) {
        log.error('could not reopen the access logs', { error: errorMessage(err) });
      }
    };
    process.on('SIGUSR1', reopen);
    opened.push({ close: () => void process.off('SIGUSR1', reopen) });
    let sync: SyncClient | null = null;
    const facts = { nodeId, version: KONG_PROTOCOL_VERSION, certExpiry: certExpiry(s.certPem), get cpConnected() { return sync?.state() === 'connected'; } };
    const statusTls = await listenerTls(s.statusListen, s.statusTls, () => ensureDefaultCert(s.prefix, 'status', log));
    const status = s.statusListen.length > 0
      ? await startStatus({
        listen: s.statusListen, tls: statusTls, state: () => {
          const hash = currentHash();
          return { configurationHash: hash, ready: hash !== null && hash !== EMPTY_CONFIG_HASH };
        }, log: log.child('status'),
        proxyStats: async () => ({ ...(await proxy.report()).nginx }),
        metrics: s.plugins.has('prometheus') ? async () => renderMetrics(await proxy.report(), facts) : undefined,
        accessLog: statusLog,
      })
      : null;
    if (status) opened.push(status);

    sync = startSyncClient({
      cpAddress: s.cpAddress,
      mode: s.mode,
      certPem: s.certPem,
      keyPem: s.keyPem,
      caPems: s.caPems,
      serverName: s.serverName,
      proxy: s.forwardProxy,
      nodeId,
      hostname: s.hostname ?? hostname(),
      version: KONG_PROTOCOL_VERSION,
      labels: s.labels,
      plugins: [...s.plugins.values()].map((m) => ({ name: m.name, version: m.version })),
      log: log.child('clustering'),
      currentHash,
      rpcSync: s.rpcSync,
      syncVersion: () => syncVersion,
      currentTable: () => served?.configTable ?? null,
      adoptSyncVersion: async (version) => {
        syncVersion = version;
        if (served) await writes.whole(served.configTable, served.hash, version);
      },
      apply: async (configTable, next, meta) => {
        assertServable(configTable, next, s.plugins);
        await proxy.swap(configTable);
        served = { configTable, hash: next };
        syncVersion = meta?.syncVersion ?? null;
        try {
          await writes.whole(configTable, next, syncVersion);
        } catch (err) {
          log.warn('configuration applied but not cached; a restart without the control plane would not have it', { error: errorMessage(err) });
        }
      },
      applyChanges: async (configTable, changes, version) => {
        assertChangesServable(configTable, changes, s.plugins);
        await proxy.patch(configTable, changes);
        served = { configTable, hash: null };
        syncVersion = version;
        writes.changes(configTable, changes, version);
      },
      timers: s.timers,
    });
    log.info('data plane started', {
      node_id: nodeId,
      control_plane: s.cpAddress,
      cluster_mtls: s.mode,
      proxy_listen: proxy.addresses.map((a) => `${fmt(a)}${a.tls ? ' ssl' : ''}`).join(', '),
      status_listen: status ? status.addresses.map((a) => `${fmt(a)}${a.ssl ? ' ssl' : ''}`).join(', ') : 'off',
      workers: proxy.workers,
      plugins: [...s.plugins.keys()].join(',') || 'off',
      prefix: s.prefix,
    });
    let closed = false;
    let running = s;
    return {
      nodeId,
      addresses: { proxy: { host: plain.host, port: plain.port }, status: status?.address ?? null },
      configHash: currentHash,
      async reload(next) {
        const rotate = next.certPem !== running.certPem || next.keyPem !== running.keyPem || !samePems(next.caPems, running.caPems) || next.serverName !== running.serverName;
        if (rotate) assertUsablePair(next.certPem, next.keyPem, 'cluster_cert');
        const nextStatus = status && next.statusTls && !sameTls(next.statusTls, running.statusTls) ? next.statusTls : undefined;
        if (nextStatus) assertUsablePair(nextStatus.certPem, nextStatus.keyPem, 'status_ssl_cert');
        // A renewed ssl_cert (certbot, cert-manager) is served without a restart, as nginx's reload does.
        const nextProxy = tls && !sameTls(next.proxyTls, running.proxyTls) ? (next.proxyTls ?? (await ensureDefaultProxyCert(s.prefix, log))) : undefined;
        if (nextProxy) assertUsablePair(nextProxy.certPem, nextProxy.keyPem, 'ssl_cert');
        if (next.workerLog && next.workerLog.level !== running.workerLog?.level) proxy.setLogLevel(next.workerLog.level);
        if (nextStatus) status!.setTls(nextStatus);
        if (nextProxy) proxy.setTls(nextProxy);
        if (rotate) {
          if (next.keyPem !== running.keyPem && s.cacheMode === 'encrypted') {
            // The cache is encrypted with a key derived from cluster_cert_key: re-written with the new one.
            await writes.flush();
            await cache.close();
            cache = openCache(next.keyPem);
            if (served) await writes.whole(served.configTable, served.hash, syncVersion).catch((err: unknown) => log.warn('could not re-encrypt the cached configuration with the new key', { error: errorMessage(err) }));
          }
          sync?.rotate({ certPem: next.certPem, keyPem: next.keyPem, caPems: next.caPems, serverName: next.serverName });
        }
        running = { ...running, certPem: next.certPem, keyPem: next.keyPem, caPems: next.caPems, serverName: next.serverName, statusTls: next.statusTls, proxyTls: next.proxyTls, workerLog: next.workerLog };
      },
      async close() {
        if (closed) return;
        closed = true;
        await sync?.stop();
        for (const o of opened.reverse()) await Promise.resolve(o.close()).catch(() => undefined);
      },
    };
  } catch (err) {
    for (const o of opened.reverse()) await Promise.resolve(o.close()).catch(() => undefined);
    throw err;
  }
}

const fmt = (a: Listen) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

/** notAfter of the (first) cluster certificate, unix seconds, for kong_data_plane_cluster_cert_expiry_timestamp. */
function certExpiry(pem: string): number | null {
  try {
    return Math.floor(new Date(new X509Certificate(pem).validTo).getTime() / 1000);
  } catch {
    return null;
  }
}
