// The control plane: store + Admin API + cluster listener, with the config_table rebuilt and pushed
// to every data plane whenever the store changes.
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import { KONG_PROTOCOL_VERSION } from '../version.js';
import { errorMessage } from '../errors.js';
import { describePg, isUnavailable, openLmdbStore, openPostgresStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import { startAdmin } from '../admin/server.js';
import { startClusterServer } from '../cluster/server/index.js';
import { StoreDeltaSource, type VersionedCurrent } from '../cluster/server/store-delta-source.js';
import { buildReconfigure } from '../cluster/protocol/messages.js';
import { startStatus } from '../status/server.js';
import { stableNodeId } from '../cache/node-id.js';
import type { CpSettings } from './settings-types.js';
import { CpMetrics } from './metrics.js';
import { openAccessLog } from '../util/access-log.js';
import { nodePlugins } from '../plugins/catalogue.js';
import { checkConfigurationCompatibility } from '../cluster/protocol/version.js';
import { ensureDefaultCert } from './proxy-cert.js';
import { assertUsablePair, listenerTls, samePems, sameTls } from './reload-checks.js';

export interface ControlPlane {
  /** The first entry of each listener (the first plain one for admin and status). */
  addresses: { cluster: Listen; admin: Listen | null; status: Listen | null };
  /**
   * What SIGHUP applies without dropping a connection: rotated cluster certificate and CA (for new
   * data plane connections) and the admin/status TLS certificates. Throws, nothing changed, when
   * a certificate cannot be used.
   */
  reload(next: CpSettings): Promise<void>;
  nodeId: string;
  /** Resolves when the current store content has been turned into the config pushed to DPs. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

type Listen = { host: string; port: number };

/**
 * With only sync v2 DPs, the export is rebuilt this long after changes pause; not while they keep
 * coming, since nothing then waits on it (whatever does asks for it: fresh(), served()), and a
 * whole export is what a change must not cost.
 */
const EXPORT_IDLE_MS = 2_000;

export async function startControlPlane(s: CpSettings, log: Logger): Promise<ControlPlane> {
  const nodeId = stableNodeId(s.prefix);
  const plugins = nodePlugins(s.plugins, 'control_plane');
  const cpPlugins = plugins.list();
  const db = s.database ?? { kind: 'lmdb' };
  const storePath = db.kind === 'postgres' ? describePg(db.pg) : join(s.prefix, 'cp-store');
  const store: Store = db.kind === 'postgres'
    ? await openPostgresStore(db.pg, { nodeId, log: log.child('database'), plugins })
    : await openLmdbStore(storePath, plugins);
  const metrics = new CpMetrics();
  const clog = log.child('clustering');
  let current: VersionedCurrent | null = null;
  /** Plugin names in the current config: Kong's plugins_configured, for the compatibility check. */
  let configured = new Set<string>();
  let building: Promise<void> = Promise.resolve();
  let dirty = false;

  // The v1 export lags the store while only sync v2 DPs are connected: they pull rows from the
  // change log, so a change costs the CP what it changed, not a whole export. The export catches
  // up when something needs it (a v1 DP, a full sync, /status), or once changes pause.
  let stale = false;
  let catchUp: NodeJS.Timeout | undefined;

  // One rebuild at a time; changes arriving during a rebuild fold into one more rebuild.
  const rebuild = (): Promise<void> => {
    if (dirty) return building;
    dirty = true;
    building = building.then(async () => {
      dirty = false;
      stale = false;
      clearTimeout(catchUp);
      try {
        // Read together, before anything can commit in between: the export is of this version.
        const version = store.changes().version();
        const table = await store.exportConfigTable();
        const next = buildReconfigure(table);
        const offer = deferred;
        deferred = false;
        // The same export at a newer version: it stands for that version now, and only a v1 DP
        // that was kept waiting for it needs it offered.
        if (current?.hash === next.hash) {
          current = { ...current, version };
          if (offer) cluster?.push();
          return;
        }
        current = { ...next, version };
        configured = new Set(((table.plugins as { name: string }[] | undefined) ?? []).map((p) => p.name));
        metrics.configBuilt(next.hash);
        clog.debug('configuration rebuilt', { config_hash: next.hash, bytes: next.payload.length });
        cluster?.push();
      } catch (err) {
        clog.error('could not export the configuration for data planes; keeping the previous one', { error: errorMessage(err) });
      }
    });
    return building;
  };

  const changed = (): void => {
    if (!cluster || current === null || cluster.v1Connected() > 0) return void rebuild();
    stale = true;
    cluster.notifyVersion();
    clearTimeout(catchUp);
    catchUp = setTimeout(() => void rebuild(), EXPORT_IDLE_MS);
    catchUp.unref();
  };
  /**
   * The export for a v1 push: while it lags, nothing yet (a DP joining then must not get an older
   * configuration first); the rebuild this starts offers it to every v1 DP when it is done.
   */
  let deferred = false;
  const served = (): VersionedCurrent | null => {
    if (!stale) return current;
    deferred = true;
    void rebuild();
    return null;
  };
  const fresh = async (): Promise<VersionedCurrent | null> => {
    if (stale) await rebuild();
    return current;
  };

  let cluster: Awaited<ReturnType<typeof startClusterServer>> | undefined;
  await rebuild();
  const stopWatching = store.onChange(changed);

  const opened: { close(): Promise<void> }[] = [];
  try {
    cluster = await startClusterServer({
      listen: s.clusterListen,
      mode: s.mode,
      certPem: s.certPem,
      keyPem: s.keyPem,
      caPems: s.caPems,
      maxIntermediates: s.maxIntermediates,
      ocsp: s.ocsp,
      maxPayload: s.maxPayload,
      log: clog,
      cpVersion: KONG_PROTOCOL_VERSION,
      syncV2: s.syncV2,
      current: served,
      // v2 DPs get the rows changed since their version; v1 DPs keep getting the full export.
      deltaSource: new StoreDeltaSource(() => current, store.changes(), fresh),
      checkConfiguration: (dpPlugins) => checkConfigurationCompatibility({ cpPlugins, dpPlugins, configured }),
      onDataPlane: (row) => {
        metrics.dataPlaneSeen({ ...row, ttl: s.purgeDelaySec });
        // A database outage is logged once by the store, not once per data plane ping.
        void store.upsertDataPlane({ ...row, ttl: s.purgeDelaySec }).catch((err: unknown) =>
          isUnavailable(err) ? undefined : clog.warn('could not record data plane status', { node_id: row.id, error: errorMessage(err) }),
        );
      },
    });
    opened.push(cluster);
    const clusterRef = cluster;
    const adminLog = s.adminListen.length > 0 ? openAccessLog(s.accessLogs?.admin ?? null, 'admin_access_log', log) : null;
    const statusLog = s.statusListen.length > 0 ? openAccessLog(s.accessLogs?.status ?? null, 'status_access_log', log) : null;
    for (const l of [adminLog, statusLog]) if (l) opened.push(l);
    // logrotate's convention (nginx reopens its logs on SIGUSR1).
    const reopen = () => {
      try {
        adminLog?.reopen();
        statusLog?.reopen();
        log.info('access logs reopened');
      } catch (err) {
        log.error('could not reopen the access logs', { error: errorMessage(err) });
      }
    };
    process.on('SIGUSR1', reopen);
    opened.push({ close: async () => void process.off('SIGUSR1', reopen) });
    const adminTls = await listenerTls(s.adminListen, s.adminTls, () => ensureDefaultCert(s.prefix, 'admin', log));
    const admin = s.adminListen.length > 0
      ? await startAdmin({
          listen: s.adminListen,
          tls: adminTls,
          store,
          log: log.child('admin'),
          nodeId,
          metrics: () => metrics.render(clusterRef.metrics()),
          configHash: async () => (await fresh())?.hash ?? null,
          plugins,
          storePath,
          accessLog: adminLog,
        })
      : null;
    if (admin) opened.push(admin);
    const statusTls = await listenerTls(s.statusListen, s.statusTls, () => ensureDefaultCert(s.prefix, 'status', log));
    const status = s.statusListen.length > 0
      ? await startStatus({ listen: s.statusListen, tls: statusTls, state: async () => ({ configurationHash: (await fresh())?.hash ?? null, ready: true }), log: log.child('status'), accessLog: statusLog })
      : null;
    if (status) opened.push(status);
    log.info('control plane started', {
      node_id: nodeId,
      hostname: hostname(),
      cluster_listen: cluster.addresses.map(fmt).join(', '),
      admin_listen: admin ? fmtAll(admin.addresses) : 'off',
      status_listen: status ? fmtAll(status.addresses) : 'off',
      cluster_mtls: s.mode,
      plugins: cpPlugins.map((p) => p.name).join(',') || 'off',
      prefix: s.prefix,
      database: storePath,
    });
    let closed = false;
    let running = s;
    return {
      addresses: { cluster: cluster.address, admin: admin?.address ?? null, status: status?.address ?? null },
      nodeId,
      async reload(next) {
        const rotateCluster = next.certPem !== running.certPem || next.keyPem !== running.keyPem || !samePems(next.caPems, running.caPems);
        if (rotateCluster) assertUsablePair(next.certPem, next.keyPem, 'cluster_cert');
        const nextAdmin = admin && next.adminTls && !sameTls(next.adminTls, running.adminTls) ? next.adminTls : undefined;
        if (nextAdmin) assertUsablePair(nextAdmin.certPem, nextAdmin.keyPem, 'admin_ssl_cert');
        const nextStatus = status && next.statusTls && !sameTls(next.statusTls, running.statusTls) ? next.statusTls : undefined;
        if (nextStatus) assertUsablePair(nextStatus.certPem, nextStatus.keyPem, 'status_ssl_cert');
        if (rotateCluster) {
          clusterRef.rotate({ certPem: next.certPem, keyPem: next.keyPem, caPems: next.caPems });
          clog.info('cluster certificate reloaded: new data plane connections use it; connected ones stay connected');
        }
        if (nextAdmin) admin!.setTls(nextAdmin);
        if (nextStatus) status!.setTls(nextStatus);
        running = { ...next, clusterListen: running.clusterListen, adminListen: running.adminListen, statusListen: running.statusListen, prefix: running.prefix };
      },
      settled: () => (stale ? rebuild() : building),
      async close() {
        if (closed) return;
        closed = true;
        stopWatching();
        for (const o of opened.reverse()) await o.close().catch(() => undefined);
        await building;
        await store.close();
      },
    };
  } catch (err) {
    stopWatching();
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
    await store.close();
    throw err;
  }
}

const fmt = (a: Listen) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);
const fmtAll = (list: (Listen & { ssl: boolean })[]) => list.map((a) => `${fmt(a)}${a.ssl ? ' ssl' : ''}`).join(', ');
