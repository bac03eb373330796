// Routes' `snis` (Kong: router/transform.lua, tls.sni): `*.x` matches by suffix, `x.*` by prefix,
// anything else exactly; a trailing dot on the route's name is not used. Only requests that came
// over TLS are checked: over plain http a route's snis are not considered, as in Kong.
import type { RouteRow } from '../config.js';

export interface SniRules { exact: Set<string>; suffixes: string[]; prefixes: string[] }

export function compileSnis(route: RouteRow): SniRules | null {
  if (!Array.isArray(route.snis) || route.snis.length === 0) return null;
  const rules: SniRules = { exact: new Set(), suffixes: [], prefixes: [] };
  for (const raw of route.snis) {
    const s = raw.toLowerCase();
    if (s.endsWith('*')) rules.prefixes.push(s.slice(0, -1));
    else {
      const name = s.length > 1 && s.endsWith('.') ? s.slice(0, -1) : s;
      if (name.startsWith('*')) rules.suffixes.push(name.slice(1));
      else rules.exact.add(name);
    }
  }
  return rules;
}

/** `sni`: undefined over plain http (not checked), '' over TLS without a server name (never matches). */
export function sniMatches(rules: SniRules, sni: string | undefined): boolean {
  if (sni === undefined) return true;
  if (sni === '') return false;
  const s = sni.toLowerCase();
  return rules.exact.has(s) || rules.suffixes.some((x) => s.endsWith(x)) || rules.prefixes.some((x) => s.startsWith(x));
}
