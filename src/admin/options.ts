// OPTIONS as Kong's api_helpers.attach_routes answers it: 204, the route's methods (HEAD wherever
// GET is, OPTIONS always) sorted in Allow and Access-Control-Allow-Methods, and the requested headers
// (or Content-Type) in Access-Control-Allow-Headers; a path no route matches is a 404.
import { CREDENTIAL_ENTITIES, CREDENTIAL_PATHS, ENTITY_ORDER } from '../entities/index.js';
import { EMPTY_COLLECTIONS } from './collections.js';
import { HttpError } from './http-error.js';

const COLLECTION = ['GET', 'POST'];
const ITEM = ['DELETE', 'GET', 'PATCH', 'PUT'];

const TOP = new Set<string>([
  ...ENTITY_ORDER.filter((e) => e !== 'targets' && !(CREDENTIAL_ENTITIES as readonly string[]).includes(e)),
  ...CREDENTIAL_ENTITIES.map((e) => CREDENTIAL_PATHS[e]!.top),
  ...EMPTY_COLLECTIONS,
]);
const NESTED: Record<string, Set<string>> = {
  services: new Set(['routes', 'plugins']),
  routes: new Set(['plugins']),
  consumers: new Set(['plugins', ...CREDENTIAL_ENTITIES.map((e) => CREDENTIAL_PATHS[e]!.nested)]),
  upstreams: new Set(['targets']),
  certificates: new Set(['snis']),
};

/** The methods Kong's route for these path segments answers, or null when no route matches. */
export function routeMethods(parts: string[]): string[] | null {
  const [a, b, c, d] = parts;
  const n = parts.length;
  if (n === 0) return ['GET'];
  if (n === 1 && (a === 'status' || a === 'metrics' || a === 'tags')) return ['GET'];
  if (n === 1 && a === 'config') return ['GET', 'POST'];
  if (n === 2 && a === 'clustering' && (b === 'data-planes' || b === 'status')) return ['GET'];
  if (n === 2 && a === 'tags') return ['GET'];
  if (n === 2 && a === 'plugins' && b === 'enabled') return ['GET'];
  if (a === 'schemas') {
    if (n === 2) return ['GET'];
    if (n === 3 && c === 'validate') return ['POST'];
    if (n === 3 && b === 'plugins') return ['GET'];
    return null;
  }
  if (a && TOP.has(a)) {
    if (n === 1) return COLLECTION;
    if (n === 2) return ITEM;
  }
  if (n === 3 && a === 'routes' && c === 'service') return ITEM;
  if (a && c && NESTED[a]?.has(c)) {
    if (n === 3) return COLLECTION;
    if (n === 4 && d !== undefined) return ITEM;
  }
  return null;
}

export function optionsReply(path: string, requestHeaders: string | undefined): { status: number; headers: Record<string, string> } {
  let parts: string[];
  try {
    parts = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(404, { message: 'Not found' });
  }
  if (parts[0] === 'filter-chains') throw new HttpError(400, { message: 'this endpoint is only available when wasm is enabled' });
  const methods = routeMethods(parts);
  if (!methods) throw new HttpError(404, { message: 'Not found' });
  const all = [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].sort();
  const allow = all.join(', ');
  return { status: 204, headers: { Allow: allow, 'Access-Control-Allow-Methods': allow, 'Access-Control-Allow-Headers': requestHeaders ?? 'Content-Type' } };
}
