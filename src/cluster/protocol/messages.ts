// The frames of Kong's hybrid protocol v1 (/v1/outlet), both directions:
//   DP → CP: one binary basic_info (plain JSON), then pings carrying the DP's 32-hex config hash;
//   CP → DP: binary gzip(JSON reconfigure) frames and empty pongs.
import { gunzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { configHash, EMPTY_CONFIG_HASH, type ConfigHashes } from './hash.js';

export const OUTLET_PATH = '/v1/outlet';
/** Kong's CLUSTERING_PING_INTERVAL: the DP pings this often (and right after applying a config). */
export const PING_INTERVAL_MS = 30_000;
/** Kong's PING_WAIT (1.5 × interval): silence after which either side drops the connection. */
export const PING_WAIT_MS = 45_000;
/** Kong's CLUSTERING_TIMEOUT: socket and handshake timeout. */
export const CLUSTERING_TIMEOUT_MS = 5_000;
/** cluster_max_payload default and minimum (bytes of a frame on the wire, so compressed for v1). */
export const DEFAULT_MAX_PAYLOAD = 16_777_216;
export const MIN_MAX_PAYLOAD = 4_194_304;
/** Ceiling on an inflated reconfigure: JSON compresses well, but not a thousandfold. */
export const DEFAULT_MAX_INFLATED = 512 * 1024 * 1024;

const gunzipAsync = promisify(gunzip);

/** A frame that breaks the protocol; `message` is Kong's wording where Kong has one. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface BasicInfoPlugin {
  name: string;
  version?: string | null;
}

export interface BasicInfo {
  type: 'basic_info';
  plugins: BasicInfoPlugin[];
  labels?: Record<string, string>;
  process_conf?: Record<string, unknown>;
  filters?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Plugins sorted case-insensitively as Kong's DP sends them; `filters` always present (Kong sends `{}`). */
export function encodeBasicInfo(o: { plugins: BasicInfoPlugin[]; labels?: Record<string, string>; processConf?: Record<string, unknown> }): Buffer {
  const plugins = [...o.plugins].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0));
  const msg: BasicInfo = { type: 'basic_info', plugins, filters: {} };
  if (o.processConf) msg.process_conf = o.processConf;
  if (o.labels && Object.keys(o.labels).length > 0) msg.labels = o.labels;
  return Buffer.from(JSON.stringify(msg), 'utf8');
}

/** The CP's reading of the first frame, with Kong's error messages. */
export function decodeBasicInfo(data: Buffer, isBinary: boolean): BasicInfo {
  if (!isBinary) throw new ProtocolError('failed to receive websocket basic info frame: expected a binary frame, got text');
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new ProtocolError(`failed to decode websocket basic info data: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ProtocolError('failed to decode websocket basic info data');
  const msg = parsed as Record<string, unknown>;
  if (msg.type !== 'basic_info') throw new ProtocolError(`invalid basic info data type: ${typeof msg.type === 'string' ? msg.type : 'unknown'}`);
  // Lua tables are both arrays and maps; an empty plugin list arrives as {} from cjson.
  const plugins = msg.plugins;
  if (plugins === null || typeof plugins !== 'object') throw new ProtocolError('missing plugins in basic info data');
  const list = (Array.isArray(plugins) ? plugins : Object.values(plugins)).filter(
    (p): p is BasicInfoPlugin => p !== null && typeof p === 'object' && typeof (p as BasicInfoPlugin).name === 'string',
  );
  const labels = stringMap(msg.labels);
  return { ...msg, type: 'basic_info', plugins: list, ...(labels ? { labels } : {}) } as BasicInfo;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

export interface ReconfigureMessage {
  type: 'reconfigure';
  timestamp: number;
  config_table: Record<string, unknown>;
  config_hash: string;
  hashes: ConfigHashes;
}

export interface BuiltReconfigure {
  /** gzip(JSON reconfigure): the exact bytes of the binary frame. */
  payload: Buffer;
  hash: string;
  hashes: ConfigHashes;
}

/** Hash, serialise and compress a config once; every DP then gets the same bytes. */
export function buildReconfigure(configTable: Record<string, unknown>, now: number = Date.now()): BuiltReconfigure {
  const { config_hash, hashes } = configHash(configTable);
  const msg: ReconfigureMessage = { type: 'reconfigure', timestamp: Math.round(now) / 1000, config_table: configTable, config_hash, hashes };
  return { payload: gzipSync(Buffer.from(JSON.stringify(msg), 'utf8')), hash: config_hash, hashes };
}

/**
 * One output buffer the size the gzip trailer announces (ISIZE, clamped; maxOutputLength still
 * bounds the result): zlib's default 16 KiB chunks left a 100k-route config's 60 MiB as thousands
 * of small allocations the allocator kept (measured: 76 MiB of RSS left after shrinking from 100k).
 */
function inflateChunk(payload: Buffer, limit: number): number {
  const isize = payload.length >= 18 ? payload.readUInt32LE(payload.length - 4) : 0;
  // The whole output in one chunk when the trailer is honest: zlib's result is then that chunk,
  // where a smaller cap left two 64 MiB chunks plus their concatenation (measured: 236 MiB of
  // buffers for an 84 MB config). A dishonest trailer costs at most `limit`, as inflating would.
  return Math.max(64 * 1024, Math.min(isize + 1, limit + 1));
}

/**
 * The DP's reading of a config frame. The frame size was already bounded by maxPayload; the
 * inflated size is bounded here so a small frame cannot expand without limit.
 */
export async function decodeReconfigure(payload: Buffer, opts: { maxInflated?: number } = {}): Promise<ReconfigureMessage> {
  const limit = opts.maxInflated ?? DEFAULT_MAX_INFLATED;
  let json: Buffer;
  try {
    json = await gunzipAsync(payload, { maxOutputLength: limit, chunkSize: inflateChunk(payload, limit) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new ProtocolError(`config from control plane inflates beyond ${limit} bytes`);
    throw new ProtocolError(`unable to inflate config from control plane: ${(err as Error).message}`);
  }
  let msg: unknown;
  try {
    msg = JSON.parse(json.toString('utf8'));
  } catch (err) {
    throw new ProtocolError(`unable to decode config from control plane: ${(err as Error).message}`);
  }
  if (msg === null || typeof msg !== 'object' || (msg as { type?: unknown }).type !== 'reconfigure') {
    throw new ProtocolError('unable to decode config from control plane: not a reconfigure message');
  }
  const m = msg as Partial<ReconfigureMessage> & { type: 'reconfigure' };
  if (m.config_table === null || typeof m.config_table !== 'object') throw new ProtocolError('unable to decode config from control plane: config_table missing or not a record');
  // A DP fills what an older or foreign CP left out: the hash from the table, zeros for families.
  const computed = m.config_hash && m.hashes ? null : configHash(m.config_table);
  const hashes: ConfigHashes = { ...(computed?.hashes ?? emptyHashes()), ...(m.hashes ?? {}) };
  return {
    type: 'reconfigure',
    timestamp: typeof m.timestamp === 'number' ? m.timestamp : 0,
    config_table: m.config_table,
    config_hash: typeof m.config_hash === 'string' ? m.config_hash : computed!.config_hash,
    hashes,
  };
}

function emptyHashes(): ConfigHashes {
  const z = EMPTY_CONFIG_HASH;
  return { config: z, routes: z, services: z, plugins: z, upstreams: z, targets: z };
}

/** The ping payload: exactly 32 bytes; anything that is not a 32-char string becomes zeros, as Kong's DP does. */
export function encodePing(hash: string | null | undefined): Buffer {
  return Buffer.from(typeof hash === 'string' && hash.length === 32 ? hash : EMPTY_CONFIG_HASH, 'latin1');
}

/** The hash a ping carries, or null when the payload is not the 32 bytes Kong's CP insists on. */
export function parsePing(data: Buffer): string | null {
  return data.length === 32 ? data.toString('latin1') : null;
}

/** Kong's CP answers every ping with a pong that does not echo the payload. */
export const PONG_PAYLOAD: Buffer = Buffer.alloc(0);
