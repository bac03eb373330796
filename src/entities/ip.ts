// Kong's host and address rules (kong/tools/ip.lua and the validators of kong/db/schema/typedefs.lua,
// upstreams.lua, targets.lua), with Kong's messages. One rule is stricter than Kong: a name whose last
// label is a number (`1a.2`, `a.0x10`) is refused, because URL parsers and resolvers read such a name
// as an IPv4 address (WHATWG "ends in a number") and a data plane cannot connect to it.

export type HostType = 'ipv4' | 'ipv6' | 'name';
export interface Normalized {
  type: HostType;
  host: string;
  port: number | null;
}
type Result = { ok: Normalized } | { error: string };

/** Kong's hostname_type: decided by exclusion, not validated. */
export function hostnameType(name: string): HostType {
  const colons = name.split(':').length - 1;
  if (colons > 1) return 'ipv6';
  return /^[\d.]+$/.test(name.replace(/:/g, '')) ? 'ipv4' : 'name';
}

function normalizeIpv4(address: string): Result {
  const m = address.includes(':')
    ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d+)$/.exec(address)
    : /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return { error: `invalid ipv4 address: ${address}` };
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return { error: `invalid ipv4 address: ${address}` };
  const port = m[5] === undefined ? null : Number(m[5]);
  if (port !== null && port > 65535) return { error: 'invalid port number' };
  return { ok: { type: 'ipv4', host: parts.join('.'), port } };
}

function normalizeIpv6(address: string): Result {
  let check = address;
  let port: number | null = null;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0) return { error: `invalid ipv6 address: ${address}` };
    check = address.slice(1, close);
    const rest = address.slice(close + 1);
    if (rest !== '') {
      const pm = /^:(\d+)$/.exec(rest);
      if (!pm) return { error: 'invalid ipv6 address' };
      port = Number(pm[1]);
      if (port > 65535) return { error: 'invalid port number' };
    }
  }
  if (check.startsWith(':')) check = `0${check}`;
  if (check.endsWith(':')) check = `${check}0`;
  if (check.includes('::')) {
    const count = check.split(':').length - 1;
    check = check.replace('::', `:${'0:'.repeat(Math.max(0, 8 - count))}`);
  }
  const groups = check.split(':');
  if (groups.length !== 8 || !groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return { error: `invalid ipv6 address: ${address}` };
  return { ok: { type: 'ipv6', host: groups.map((g) => g.padStart(4, '0').toLowerCase()).join(':'), port } };
}

/** A label that makes URL parsers read the whole name as an IPv4 address. */
const NUMERIC_LABEL = /^(\d+|0[xX][0-9A-Fa-f]*)$/;

function checkHostname(address: string): Result {
  let name = address;
  let port: number | null = null;
  const pm = /:(\d+)$/.exec(address);
  if (pm) {
    name = address.slice(0, -(pm[1]!.length + 1));
    port = Number(pm[1]);
    if (port > 65535) return { error: 'invalid port number' };
  }
  const bad = { error: `invalid hostname: ${address}` };
  if (!/^[A-Za-z0-9\-._]+$/.test(name)) return bad;
  const labels = name.split('.');
  // Kong: no label ends with a dash, no empty label except a trailing one (an FQDN).
  if (labels.some((l, i) => l.endsWith('-') || (l === '' && i !== labels.length - 1))) return bad;
  const last = labels.at(-1) === '' ? labels.at(-2) : labels.at(-1);
  if (last !== undefined && NUMERIC_LABEL.test(last)) return bad;
  return { ok: { type: 'name', host: name, port } };
}

/** Kong's normalize_ip: ipv4, ipv4:port, ipv6, [ipv6], [ipv6]:port, name, name:port. */
export function normalizeIp(address: string): Result {
  const t = hostnameType(address);
  return t === 'ipv4' ? normalizeIpv4(address) : t === 'ipv6' ? normalizeIpv6(address) : checkHostname(address);
}

/** typedefs.host: a name or an IP, no port. */
export function validateHost(host: string): string | null {
  const r = normalizeIp(host);
  if ('error' in r && r.error !== 'invalid port number') return `invalid value: ${host}`;
  if ('error' in r || r.ok.port !== null) return 'must not have a port';
  return null;
}

/** typedefs.host_with_optional_port: normalize_ip's own message. */
export function validateHostWithOptionalPort(host: string): string | null {
  const r = normalizeIp(host);
  return 'error' in r ? r.error : null;
}

/** typedefs.hosts elements (routes.hosts): one wildcard, leftmost or rightmost, then a host with optional port. */
export function validateRouteHost(host: string): string | null {
  if ((host.match(/\*/g) ?? []).length > 1) return 'invalid wildcard: must have at most one wildcard';
  if (host.includes('*') && !host.startsWith('*.') && !host.endsWith('.*')) return 'invalid wildcard: must be placed at leftmost or rightmost label';
  return validateHostWithOptionalPort(host.replace(/\*/g, 'abc'));
}

/** typedefs.wildcard_host (routes.snis): a name, not an IP, no port, one wildcard at either end. */
export function validateWildcardHost(host: string): string | null {
  const idx = host.indexOf('*');
  let h = host;
  if (idx >= 0) {
    if (idx !== 0 && idx !== host.length - 1) return 'wildcard must be leftmost or rightmost character';
    if (host.indexOf('*', idx + 1) >= 0) return 'only one wildcard must be specified';
    h = host.replace('*', 'wildcard');
  }
  const r = normalizeIp(h);
  if ('error' in r && r.error !== 'invalid port number') return `invalid value: ${h}`;
  if ('ok' in r && r.ok.type !== 'name') return 'must not be an IP';
  if ('error' in r || r.ok.port !== null) return 'must not have a port';
  return null;
}

/** upstreams.name: a hostname, not an IP, no port. */
export function validateUpstreamName(name: string, wellFormed: boolean): string | null {
  const label = wellFormed ? `Invalid name ('${name}')` : 'Invalid name';
  const r = normalizeIp(name);
  if ('error' in r) return `${label}; must be a valid hostname`;
  if (r.ok.type !== 'name') return `${label}; no ip addresses allowed`;
  if (r.ok.port !== null) return `${label}; no port allowed`;
  return null;
}

/** targets.target: a hostname or IP with an optional port. */
export function validateTarget(target: string, wellFormed: boolean): string | null {
  if (!('error' in normalizeIp(target))) return null;
  return wellFormed ? `Invalid target ('${target}'); not a valid hostname or ip address` : 'Invalid target; not a valid hostname or ip address';
}
