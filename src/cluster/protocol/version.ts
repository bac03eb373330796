// Kong's compatibility rules between a control plane and a data plane (clustering/compat), with
// Kong's messages and sync_status values, which show up in logs and in clustering_data_planes.

export const SYNC_STATUS = {
  unknown: 'unknown',
  normal: 'normal',
  kongVersionIncompatible: 'kong_version_incompatible',
  pluginSetIncompatible: 'plugin_set_incompatible',
  pluginVersionIncompatible: 'plugin_version_incompatible',
  filterSetIncompatible: 'filter_set_incompatible',
} as const;
export type SyncStatus = (typeof SYNC_STATUS)[keyof typeof SYNC_STATUS];
export const SYNC_STATUSES: readonly SyncStatus[] = Object.values(SYNC_STATUS);

export type Compatibility =
  | { ok: true; status: 'normal'; /** INFO-level note when the minors differ. */ note?: string }
  | { ok: false; status: SyncStatus; message: string };

const MAJOR_MINOR = /^(\d+)\.(\d+)\.\d+/;

/** Kong's extract_major_minor: needs at least MAJOR.MINOR.PATCH; suffixes are ignored. */
export function majorMinor(version: unknown): { major: number; minor: number } | null {
  if (typeof version !== 'string') return null;
  const m = MAJOR_MINOR.exec(version);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

/** Kong's string_to_number: a.b.c.d → a·10⁹ + b·10⁶ + c·10³ + d, for down-conversion thresholds. */
export function versionNumber(version: string): number {
  let base = 1_000_000_000;
  let n = 0;
  for (const part of version.split('.').slice(0, 4)) {
    const digits = /^\d+/.exec(part);
    n += base * (digits ? Number(digits[0]) : 0);
    base /= 1000;
  }
  return n;
}

/** Kong's check_kong_version_compatibility(cp, dp): major equal, DP minor not newer. */
export function checkKongVersion(cpVersion: string, dpVersion: string): Compatibility {
  const cp = majorMinor(cpVersion);
  const dp = majorMinor(dpVersion);
  const bad = (message: string): Compatibility => ({ ok: false, status: SYNC_STATUS.kongVersionIncompatible, message });
  if (!cp) return bad(`data plane version ${dpVersion} is incompatible with control plane version`);
  if (!dp) return bad(`data plane version is incompatible with control plane version ${cpVersion} (${cp.major}.x.y are accepted)`);
  if (cp.major !== dp.major) {
    return bad(`data plane version ${dpVersion} is incompatible with control plane version ${cpVersion} (${cp.major}.x.y are accepted)`);
  }
  if (cp.minor < dp.minor) return bad(`data plane version ${dpVersion} is incompatible with older control plane version ${cpVersion}`);
  if (cp.minor !== dp.minor) {
    return { ok: true, status: 'normal', note: `data plane minor version ${dpVersion} is different to control plane minor version ${cpVersion}` };
  }
  return { ok: true, status: 'normal' };
}

export interface PluginInfo {
  name: string;
  version?: string | null;
}

/**
 * Kong's check_configuration_compatibility, run before each push: every plugin the CP knows and
 * the config uses must exist on the DP with the same major and a minor no newer than the CP's.
 */
export function checkConfigurationCompatibility(o: {
  cpPlugins: readonly PluginInfo[];
  dpPlugins: readonly PluginInfo[];
  configured: ReadonlySet<string>;
}): Compatibility {
  const dpMap = new Map(o.dpPlugins.map((p) => [p.name, p]));
  for (const cp of o.cpPlugins) {
    if (!o.configured.has(cp.name)) continue;
    const dp = dpMap.get(cp.name);
    if (!dp) {
      const message = cp.version ? `configured ${cp.name} plugin ${cp.version} is missing from data plane` : `configured ${cp.name} plugin is missing from data plane`;
      return { ok: false, status: SYNC_STATUS.pluginSetIncompatible, message };
    }
    const c = majorMinor(cp.version);
    const d = majorMinor(dp.version);
    if (!c || !d) continue;
    // The first opentelemetry release shipped as 0.1.0 and kept that number; Kong accepts it.
    if (cp.name === 'opentelemetry' && d.major === 0 && d.minor === 1) continue;
    if (c.major !== d.major || c.minor < d.minor) {
      return {
        ok: false,
        status: SYNC_STATUS.pluginVersionIncompatible,
        message: `configured data plane ${cp.name} plugin version ${dp.version} is different to control plane plugin version ${cp.version}`,
      };
    }
  }
  return { ok: true, status: 'normal' };
}
