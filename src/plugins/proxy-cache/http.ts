// The HTTP helpers proxy-cache reads (Kong 3.10 kong/tools/http.lua parse_directive_header and
// calculate_resource_ttl, kong/tools/mime_type.lua parse_mime_type).
import { clock } from './store.js';

export type Directives = Record<string, string | number | true>;

const EMPTY: Directives = Object.freeze({}) as Directives;

/** `public, max-age=3600` -> { public: true, 'max-age': 3600 }. */
export function parseDirectives(h: string | string[] | undefined): Directives {
  if (h === undefined) return EMPTY;
  const text = Array.isArray(h) ? h.join(', ') : h;
  const out: Directives = {};
  for (const part of text.split(',')) {
    const m = /^\s*([^=]+)(?:=(.+))?/.exec(part);
    if (!m) continue;
    const raw = m[2];
    const n = raw === undefined ? NaN : Number(raw.trim());
    out[m[1]!.toLowerCase()] = raw === undefined ? true : raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  return out;
}

/** s-maxage, else max-age, else Expires minus now; never below 0. */
export function resourceTtl(cc: Directives, expires: string | string[] | undefined): number {
  let maxAge: unknown = cc['s-maxage'] ?? cc['max-age'];
  if (maxAge === undefined && expires !== undefined) {
    const e = Array.isArray(expires) ? expires[expires.length - 1] : expires;
    const t = Date.parse(e ?? '');
    if (Number.isFinite(t)) maxAge = Math.floor(t / 1000) - clock.seconds();
  }
  return typeof maxAge === 'number' ? Math.max(maxAge, 0) : 0;
}

export interface MimeType { type: string; subtype: string; params: Record<string, string> }

const TOKEN = /^[^\x00-\x20()<>@,;:\\"/[\]?={}\x7f]+$/;

/** type/subtype (lower-cased) and parameters, or null when it does not parse; `*` alone is `*`/`*`. */
export function parseMimeType(s: string): MimeType | null {
  const [head, ...rest] = s.split(';');
  const t = head!.trim();
  let type: string;
  let subtype: string;
  if (t === '*') [type, subtype] = ['*', '*'];
  else {
    const slash = t.indexOf('/');
    if (slash === -1) return null;
    type = t.slice(0, slash).toLowerCase();
    subtype = t.slice(slash + 1).toLowerCase();
    if (!TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  }
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq === -1) return null;
    const k = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[k] = v;
  }
  return { type, subtype, params };
}

/** Kong's content_type filter: wildcards allowed, parameters equal and as many. */
export function mimeMatches(actual: MimeType, expected: readonly MimeType[]): boolean {
  return expected.some((e) => {
    if (e.type !== '*' && e.type !== actual.type) return false;
    if (e.subtype !== '*' && e.subtype !== actual.subtype) return false;
    const keys = Object.keys(e.params);
    return keys.length === Object.keys(actual.params).length && keys.every((k) => actual.params[k] === e.params[k]);
  });
}
