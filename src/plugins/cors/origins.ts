// cors origin rules (Kong 3.10 kong/plugins/cors/handler.lua): which configured origins are
// regexes, how origins are normalized, and the origins list compiled once per config.

/** Kong's test for "this entry is a plain origin": only these characters. */
const PLAIN = /^[A-Za-z0-9.:/-]+$/;

export interface Normalized {
  /** `scheme://host[:port]`, default ports dropped; the input itself when it has no host. */
  domain: string;
  host: string;
}

/** LuaSocket's url.parse, reduced to what normalize_origin reads: scheme, host, port. */
export function normalizeOrigin(origin: string): Normalized {
  let rest = origin;
  let scheme: string | null = null;
  const sm = /^([A-Za-z0-9][A-Za-z0-9+\-.]*):/.exec(rest);
  if (sm) {
    scheme = sm[1]!;
    rest = rest.slice(sm[0].length);
  }
  if (!rest.startsWith('//')) return { domain: origin, host: origin };
  let authority = rest.slice(2);
  const slash = authority.indexOf('/');
  // LuaSocket takes the authority up to the first "/" only (a "?" or "#" stays in the host).
  if (slash !== -1) authority = authority.slice(0, slash);
  const at = authority.indexOf('@');
  if (at !== -1) authority = authority.slice(at + 1);
  let port: string | null = null;
  const pm = /:([^:\]]*)$/.exec(authority);
  if (pm) {
    port = pm[1]!;
    authority = authority.slice(0, pm.index);
  }
  if (authority === '') return { domain: origin, host: origin };
  const host = /^\[(.+)\]$/.exec(authority)?.[1] ?? authority;
  if ((scheme === 'http' && port === '80') || (scheme === 'https' && port === '443')) port = null;
  return { domain: `${scheme !== null ? `${scheme}://` : ''}${host}${port !== null ? `:${port}` : ''}`, host };
}

// PCRE constructs that JavaScript reads differently without an error (an identity escape, or a
// character class of its own): refused, since the origin would be matched differently from Kong.
const PCRE_ONLY = /\\[AZzGhHRKQEXCNpPeaog]|\\x\{|\[\[?:[a-z]+:\]|\(\?[#>|]|\(\?[a-zA-Z-]+\)/;

/** The schema's check for one origins entry: "*" or a regex we match as Kong's PCRE does. */
export function checkOrigin(v: string): string | null {
  if (v === '*') return null;
  try {
    new RegExp(v);
    new RegExp(anchored(v));
  } catch {
    return `'${v}' is not a valid regex`;
  }
  if (PCRE_ONLY.test(v)) return `'${v}' uses PCRE syntax that hybridctl cannot match the same way as Kong (\\A, \\z, \\h, \\Q…\\E, POSIX classes, inline options, atomic groups); write it with plain JavaScript-compatible regex syntax`;
  return null;
}

/** Kong's adjustment of a regex entry: a trailing `$` added, a leading `^` dropped, matched anchored at the start. */
function anchored(entry: string): string {
  let e = entry.endsWith('$') ? entry : `${entry}$`;
  if (e.startsWith('^')) e = e.slice(1);
  return `^(?:${e})`;
}

type Entry = { regex: RegExp; byHost: boolean } | { domain: string };

export type OriginRules =
  /** No origins, or just "*": `*` for everyone. */
  | { kind: 'all' }
  /** One plain origin: sent as configured whatever the client's Origin. */
  | { kind: 'single'; value: string }
  /** Matched against the client's Origin; `star`: some entry is "*". */
  | { kind: 'list'; star: boolean; entries: Entry[] };

export function compileOrigins(origins: readonly string[] | null): OriginRules {
  if (!origins || origins.length === 0 || (origins.length === 1 && origins[0] === '*')) return { kind: 'all' };
  if (origins.length === 1 && PLAIN.test(origins[0]!)) return { kind: 'single', value: origins[0]! };
  const entries: Entry[] = [];
  let star = false;
  for (const o of origins) {
    if (o === '*') {
      star = true;
      continue;
    }
    // An entry without ":" is matched against the client's host only.
    if (!PLAIN.test(o)) entries.push({ regex: new RegExp(anchored(o)), byHost: !o.includes(':') });
    else entries.push({ domain: normalizeOrigin(o).domain });
  }
  return { kind: 'list', star, entries };
}

// Client origins repeat: normalized once, kept in a bounded cache as Kong does (10k slots).
const CACHE_MAX = 10_000;
const cache = new Map<string, Normalized>();

export function normalizedRequestOrigin(origin: string): Normalized {
  let n = cache.get(origin);
  if (!n) {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(origin, (n = normalizeOrigin(origin)));
  }
  return n;
}

/** The normalized client origin when some entry accepts it, else null. */
export function matchOrigin(entries: readonly Entry[], origin: Normalized): string | null {
  for (const e of entries) {
    const ok = 'regex' in e ? e.regex.test(e.byHost ? origin.host : origin.domain) : e.domain === origin.domain;
    if (ok) return origin.domain;
  }
  return null;
}
