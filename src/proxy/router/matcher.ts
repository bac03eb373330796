// One compiled sub-route and the test a request must pass to select it (clauses ANDed).
// Kong: router/transform.lua get_expression (traditional fields → ATC expression).
import type { RouteRow } from '../config.js';
import type { SubRoute } from './priority.js';
import { isRegexPath } from './priority.js';
import { compileSnis, sniMatches, type SniRules } from './sni.js';

export interface RouterRequest {
  method: string;
  /** Lower-case host without the port. */
  host: string;
  /** Port from the Host header, or the port the request arrived on. */
  port: number;
  /** Normalised path, no query string. */
  path: string;
  /** All values of a request header (lower-case name), or undefined. */
  header(name: string): readonly string[] | undefined;
  /** The TLS server name when the request came over TLS ('' when the client sent none); undefined over plain http. */
  sni?: string;
}

const enum HostKind { Exact, Suffix, Prefix }
interface HostRule { kind: HostKind; value: string; port: number }
interface HeaderRule { name: string; values: Set<string>; regexes: RegExp[] }

export interface Matcher {
  /** Position in evaluation order (0 = tried first). */
  rank: number;
  sub: SubRoute;
  route: RouteRow;
  methods: Set<string> | null;
  hosts: HostRule[] | null;
  headers: HeaderRule[] | null;
  prefixes: string[] | null;
  regexes: RegExp[] | null;
  snis: SniRules | null;
}

const LINE_END = /[\n\r\u2028\u2029]/;

/** Split `host[:port]`; port 0 means "any". */
export function splitHostPort(h: string): [string, number] {
  // The port: the digits after the last colon, to the end.
  const c = h.lastIndexOf(':');
  let d = c + 1;
  while (d < h.length && h.charCodeAt(d) >= 48 && h.charCodeAt(d) <= 57) d++;
  // (A line terminator in the name part is no host:port either, as /^(.*):(\d+)$/ has it.)
  if (c === -1 || d === c + 1 || d !== h.length || LINE_END.test(h)) return [h.toLowerCase(), 0];
  const name = h.slice(0, c);
  if (!name.endsWith(']') && name.includes(':')) return [h.toLowerCase(), 0]; // bare IPv6
  return [name.toLowerCase(), Number(h.slice(c + 1))];
}

function hostRule(h: string): HostRule {
  const [host, port] = splitHostPort(h);
  // Kong: "*.x.com" → http.host =^ ".x.com"; "x.*" → http.host ^= "x."
  if (host.startsWith('*')) return { kind: HostKind.Suffix, value: host.slice(1), port };
  if (host.endsWith('*')) return { kind: HostKind.Prefix, value: host.slice(0, -1), port };
  return { kind: HostKind.Exact, value: host, port };
}

/** A PCRE path regex anchored at the start, as Kong prefixes `^` (and `(?P<n>` becomes `(?<n>`). */
export function pathRegex(p: string): RegExp {
  return new RegExp(`^(?:${p.slice(1).replace(/\(\?P</g, '(?<')})`);
}

export function compileMatcher(sub: SubRoute, rank: number): Matcher {
  const r = sub.route;
  const methods = Array.isArray(r.methods) && r.methods.length ? new Set(r.methods.map((m) => m.toUpperCase())) : null;
  const hosts = Array.isArray(r.hosts) && r.hosts.length ? r.hosts.map(hostRule) : null;
  let headers: HeaderRule[] | null = null;
  if (r.headers && typeof r.headers === 'object' && Object.keys(r.headers).length) {
    headers = Object.entries(r.headers).map(([name, vals]) => {
      // Kong reads http.headers.<name with '_'> through ngx.req.get_headers, which maps '_' to '-':
      // a route header "x_foo" matches the request header "X-Foo".
      const rule: HeaderRule = { name: name.toLowerCase().replace(/_/g, '-'), values: new Set(), regexes: [] };
      for (const v of vals ?? []) {
        // Kong: transform.lua lower-cases the value, "~*" regexes included, and matches it against
        // lower(header) (unanchored), so "~*Quote" matches "QUOTE" and "quote" alike.
        if (v.startsWith('~*')) rule.regexes.push(new RegExp(v.slice(2).toLowerCase()));
        else rule.values.add(v.toLowerCase());
      }
      return rule;
    });
  }
  const paths = sub.paths;
  const regex = paths !== null && isRegexPath(paths[0]!);
  return {
    rank, sub, route: r, methods, hosts, headers,
    prefixes: paths && !regex ? paths : null,
    regexes: paths && regex ? paths.map(pathRegex) : null,
    snis: compileSnis(r),
  };
}

function hostMatches(rules: HostRule[], req: RouterRequest): boolean {
  for (const h of rules) {
    if (h.port !== 0 && h.port !== req.port) continue;
    if (h.kind === HostKind.Exact ? req.host === h.value
      : h.kind === HostKind.Suffix ? req.host.endsWith(h.value) : req.host.startsWith(h.value)) return true;
  }
  return false;
}

function headersMatch(rules: HeaderRule[], req: RouterRequest): boolean {
  for (const rule of rules) {
    const got = req.header(rule.name);
    if (!got) return false;
    let ok = false;
    for (const raw of got) {
      const v = raw.toLowerCase();
      if (rule.values.has(v) || rule.regexes.some((re) => re.test(v))) { ok = true; break; }
    }
    if (!ok) return false;
  }
  return true;
}

/**
 * Length of the path part the route consumed (for strip_path), or -1 when the request does not match.
 * Routes without paths consume nothing.
 */
export function test(m: Matcher, req: RouterRequest): number {
  if (m.methods && !m.methods.has(req.method)) return -1;
  if (m.hosts && !hostMatches(m.hosts, req)) return -1;
  if (m.headers && !headersMatch(m.headers, req)) return -1;
  if (m.snis && !sniMatches(m.snis, req.sni)) return -1;
  if (m.prefixes) {
    for (const p of m.prefixes) if (req.path.startsWith(p)) return p.length;
    return -1;
  }
  if (m.regexes) {
    for (const re of m.regexes) {
      const hit = re.exec(req.path);
      if (hit) return hit[0].length;
    }
    return -1;
  }
  return 0;
}
