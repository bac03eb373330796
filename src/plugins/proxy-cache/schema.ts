// proxy-cache's config schema (Kong 3.10 kong/plugins/proxy-cache/schema.lua). Kong OSS ships only
// the memory strategy; its dictionary must be one Kong's nginx template defines.
import type { PluginSchema } from '../schema/types.js';
import { arr, bool, int, record, str } from '../schema/types.js';

/** The lua_shared_dict names of Kong's default nginx template. */
export const SHARED_DICTS: ReadonlySet<string> = new Set([
  'kong', 'kong_locks', 'kong_healthchecks', 'kong_cluster_events', 'kong_rate_limiting_counters',
  'kong_core_db_cache', 'kong_core_db_cache_miss', 'kong_db_cache', 'kong_db_cache_miss', 'kong_secrets',
]);

export const schema: PluginSchema = {
  fields: [
    ['response_code', arr(int({ between: [100, 900] }), { required: true, default: [200, 301, 404], len_min: 1 })],
    ['request_method', arr(str({ one_of: ['HEAD', 'GET', 'POST', 'PATCH', 'PUT'] }), { required: true, default: ['GET', 'HEAD'] })],
    ['content_type', arr(str(), { required: true, default: ['text/plain', 'application/json'] })],
    ['cache_ttl', int({ default: 300, gt: 0 })],
    ['strategy', str({ required: true, one_of: ['memory'] })],
    ['cache_control', bool({ required: true, default: false })],
    ['ignore_uri_case', bool({ default: false })],
    ['storage_ttl', int()],
    ['memory', record([['dictionary_name', str({ required: true, default: 'kong_db_cache' })]])],
    ['vary_query_params', arr(str())],
    ['vary_headers', arr(str())],
    ['response_headers', record([['age', bool({ default: true })], ['X-Cache-Status', bool({ default: true })], ['X-Cache-Key', bool({ default: true })]])],
  ],
  entityChecks: [
    (config) => {
      if (config.strategy !== 'memory') return null;
      const name = String((config.memory as { dictionary_name?: unknown } | null)?.dictionary_name ?? '');
      return SHARED_DICTS.has(name) ? null : `missing shared dict '${name}'`;
    },
  ],
};
