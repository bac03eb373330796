// Route priority and path splitting for the traditional_compatible flavour.
// Kong: router/transform.lua (get_priority, split_routes_and_services_by_path).
import type { RouteRow } from '../config.js';
import { uuidV5 } from './uuid.js';

const PLAIN_HOST_ONLY_BIT = 1n << 60n;
const REGEX_URL_BIT = 1n << 51n;
const MAX_HEADER_COUNT = 255;
// Kong: transform.lua, the namespace for the ids of split sub-routes.
const SPLIT_NAMESPACE = '7f145bf9-0dce-4f91-98eb-debbce4b9f6b';

const nonEmpty = (v: unknown): boolean =>
  Array.isArray(v) ? v.length > 0 : v != null && typeof v === 'object' && Object.keys(v).length > 0;

export const isRegexPath = (p: string): boolean => p.charCodeAt(0) === 126; // '~'

/** The 64-bit priority of a route whose paths are all regex or all prefixes of one length. */
export function priorityOf(route: RouteRow, paths: string[] | null): bigint {
  let weight = 0;
  if (nonEmpty(route.snis)) weight++;
  if (nonEmpty(route.methods)) weight++;
  if (nonEmpty(route.hosts)) weight++;
  let headerCount = route.headers && typeof route.headers === 'object' ? Object.keys(route.headers).length : 0;
  if (headerCount > 0) {
    weight++;
    headerCount = Math.min(headerCount, MAX_HEADER_COUNT);
  }
  // An absent hosts field is not "plain only"; an array without wildcards is (Kong: type(hosts) == "table").
  const plainHostOnly = Array.isArray(route.hosts) && route.hosts.every((h) => !h.includes('*'));
  let uriLength = 0;
  let regex = false;
  if (paths && paths.length > 0) {
    weight++;
    regex = isRegexPath(paths[0]!);
    if (!regex) uriLength = paths[0]!.length;
  }
  const regexPriority = regex ? BigInt.asUintN(64, BigInt(Math.trunc(route.regex_priority ?? 0)) << 19n) : 0n;
  return BigInt.asUintN(
    64,
    (BigInt(weight) << 61n) |
      (plainHostOnly ? PLAIN_HOST_ONLY_BIT : 0n) |
      (regex ? REGEX_URL_BIT : 0n) |
      (BigInt(headerCount) << 52n) |
      regexPriority |
      BigInt(uriLength & 0x7ffff),
  );
}

export interface SubRoute {
  /** The id the router orders ties by: the route's own, or a v5 id for a split part. */
  id: string;
  route: RouteRow;
  paths: string[] | null;
  priority: bigint;
}

/** One sub-route per regex group and per prefix length; any route with 2+ paths gets new ids, as in Kong. */
export function splitRoute(route: RouteRow): SubRoute[] {
  const paths = Array.isArray(route.paths) && route.paths.length > 0 ? route.paths : null;
  if (!paths || paths.length === 1) return [{ id: route.id, route, paths, priority: priorityOf(route, paths) }];
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    // Kong groups by `is_regex or #path` and names the part `id .. "#" .. tostring(key)`.
    const key = isRegexPath(p) ? 'true' : String(p.length);
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  return [...groups].map(([key, ps]) => ({
    id: uuidV5(SPLIT_NAMESPACE, `${route.id}#${key}`),
    route,
    paths: ps,
    priority: priorityOf(route, ps),
  }));
}

/** Highest priority first; equal priorities by id descending (atc-router walks a BTreeMap in reverse). */
export function compareSubRoutes(a: SubRoute, b: SubRoute): number {
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
  return a.id > b.id ? -1 : a.id < b.id ? 1 : 0;
}
