// Schema pieces the log plugins share (Kong's typedefs.lua_code, host, port and queue).
import { validateHost } from '../../entities/ip.js';
import type { ConfigField } from '../schema/types.js';
import { int, map, num, record, str } from '../schema/types.js';

export const LUA_CODE_REFUSED = 'Lua code cannot run on a hybridctl data plane; leave custom_fields_by_lua unset';

/**
 * Kong's typedefs.lua_code: fields computed by Lua code at log time. No Lua runs here, so a
 * non-empty map is refused when configured rather than ignored on the data plane.
 */
export const customFieldsByLua: ConfigField = map(str({ len_min: 1 }), str({ len_min: 1 }), {
  check: ((v: Record<string, string>) => (Object.keys(v).length > 0 ? LUA_CODE_REFUSED : null)) as (v: never) => string | null,
});

/** typedefs.host. */
export const host = (o: Omit<ConfigField, 'type'> = {}): ConfigField => str({ check: validateHost as (v: never) => string | null, ...o });

/** typedefs.port. */
export const port = (o: Omit<ConfigField, 'type'> = {}): ConfigField => int({ between: [0, 65535], ...o });

/** typedefs.queue (kong/tools/queue_schema.lua). */
export const queue: ConfigField = record([
  ['max_batch_size', int({ default: 1, between: [1, 1000000] })],
  ['max_coalescing_delay', num({ default: 1, between: [0, 3600] })],
  ['max_entries', int({ default: 10000, between: [1, 1000000] })],
  ['max_bytes', int()],
  ['max_retry_time', num({ default: 60 })],
  ['initial_retry_delay', num({ default: 0.01, between: [0.001, 1000000] })],
  ['max_retry_delay', num({ default: 60, between: [0.001, 1000000] })],
  ['concurrency_limit', int({ default: 1, one_of: [-1, 1] })],
]);

export interface QueueConf {
  max_batch_size: number;
  max_coalescing_delay: number;
  max_entries: number;
  max_bytes: number | null;
  max_retry_time: number;
  initial_retry_delay: number;
  max_retry_delay: number;
  concurrency_limit: 1 | -1;
}
