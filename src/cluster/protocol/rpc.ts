// Kong's cluster RPC (/v2/outlet), both directions: the kong.meta.v1 subprotocol, the hello
// handshake (two binary frames of plain JSON), then JSON-RPC 2.0 messages, each binary frame
// snappy(JSON) (Kong: clustering/rpc/manager.lua, socket.lua, utils.lua, json_rpc_v2.lua).
import { snappyCompress, snappyUncompress, SnappyError } from './snappy.js';
import { ProtocolError } from './messages.js';

export const RPC_PATH = '/v2/outlet';
export const RPC_META_V1 = 'kong.meta.v1';
export const RPC_HELLO = `${RPC_META_V1}.hello`;
/** The only frame encoding Kong offers or accepts (the name says framed; the bytes are raw snappy blocks). */
export const RPC_SNAPPY_FRAMED = 'x-snappy-framed';
export const JSONRPC_VERSION = '2.0';
/** Kong's fut:wait(5): a call gives up on its answer after this long. */
export const RPC_CALL_TIMEOUT_MS = 5_000;

export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  server: -32000,
} as const;

/** Kong's ERROR_MSG: the message of an error created without one. */
export const RPC_ERROR_MESSAGES: Record<number, string> = {
  [-32700]: 'Parse error',
  [-32600]: 'Invalid Request',
  [-32601]: 'Method not found',
  [-32602]: 'Invalid params',
  [-32603]: 'Internal error',
  [-32000]: 'Server error',
};

export interface HelloInfo {
  rpc_capabilities: string[];
  rpc_frame_encodings: string[];
  kong_version: string;
  kong_hostname: string;
  kong_node_id: string;
  kong_conf: Record<string, unknown>;
}

export interface HelloResult {
  rpc_capabilities: string[];
  rpc_frame_encoding: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** cjson writes an empty Lua table as {}: an empty list may arrive as an empty object. */
const listOf = (v: unknown): unknown[] | null => (Array.isArray(v) ? v : isRecord(v) && Object.keys(v).length === 0 ? [] : null);

function plainJson(data: Buffer, isBinary: boolean, what: string): Record<string, unknown> {
  if (!isBinary) throw new ProtocolError(`wrong frame type: text (${what})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new ProtocolError(`${what} is not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(parsed) || parsed.jsonrpc !== JSONRPC_VERSION) throw new ProtocolError(`${what} is not a JSON-RPC 2.0 message`);
  return parsed;
}

/** DP → CP, the first frame: id 1, one positional parameter. */
export function encodeHello(info: HelloInfo): Buffer {
  return Buffer.from(JSON.stringify({ jsonrpc: JSONRPC_VERSION, method: RPC_HELLO, params: [info], id: 1 }), 'utf8');
}

/** The CP's reading of the hello, with Kong's messages; what Kong asserts is checked here. */
export function decodeHello(data: Buffer, isBinary: boolean): HelloInfo {
  const msg = plainJson(data, isBinary, 'hello');
  if (msg.method !== RPC_HELLO) throw new ProtocolError(`wrong RPC meta call: ${typeof msg.method === 'string' ? msg.method : 'nil'}`);
  const params = listOf(msg.params);
  const info = params?.[0];
  if (!isRecord(info)) throw new ProtocolError('hello has no info parameter');
  const encodings = (listOf(info.rpc_frame_encodings) ?? []).filter((e): e is string => typeof e === 'string');
  if (!encodings.includes(RPC_SNAPPY_FRAMED)) throw new ProtocolError(`unknown encodings: ${JSON.stringify(info.rpc_frame_encodings ?? null)}`);
  for (const k of ['kong_version', 'kong_node_id', 'kong_hostname'] as const) {
    if (typeof info[k] !== 'string') throw new ProtocolError(`hello: ${k} is not a string`);
  }
  if (!isRecord(info.kong_conf) && listOf(info.kong_conf) === null) throw new ProtocolError('hello: kong_conf is not a table');
  return {
    rpc_capabilities: (listOf(info.rpc_capabilities) ?? []).filter((c): c is string => typeof c === 'string'),
    rpc_frame_encodings: encodings,
    kong_version: info.kong_version as string,
    kong_node_id: info.kong_node_id as string,
    kong_hostname: info.kong_hostname as string,
    kong_conf: isRecord(info.kong_conf) ? info.kong_conf : {},
  };
}

/** CP → DP, the answer to the hello (id 1). */
export function encodeHelloResult(capabilities: readonly string[]): Buffer {
  const result: HelloResult = { rpc_capabilities: [...capabilities], rpc_frame_encoding: RPC_SNAPPY_FRAMED };
  return Buffer.from(JSON.stringify({ jsonrpc: JSONRPC_VERSION, result, id: 1 }), 'utf8');
}

/** The DP's reading of the CP's answer: Kong accepts only the snappy encoding. */
export function decodeHelloResult(data: Buffer, isBinary: boolean): HelloResult {
  const msg = plainJson(data, isBinary, 'hello answer');
  if (isRecord(msg.error)) throw new ProtocolError(`the control plane refused the hello: ${String(msg.error.message ?? msg.error.code)}`);
  const result = msg.result;
  if (!isRecord(result)) throw new ProtocolError('hello answer has no result');
  if (result.rpc_frame_encoding !== RPC_SNAPPY_FRAMED) throw new ProtocolError(`unknown encoding: ${String(result.rpc_frame_encoding)}`);
  return { rpc_capabilities: (listOf(result.rpc_capabilities) ?? []).filter((c): c is string => typeof c === 'string'), rpc_frame_encoding: RPC_SNAPPY_FRAMED };
}

/** `cluster_dp_labels` as Kong's CP reads them from kong_conf ("key:value" strings). */
export function labelsOf(conf: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of listOf(conf.cluster_dp_labels) ?? []) {
    if (typeof l !== 'string') continue;
    const colon = l.indexOf(':');
    if (colon > 0) out[l.slice(0, colon)] = l.slice(colon + 1);
  }
  return out;
}

export type RpcId = number | string;

export interface RpcResponse {
  jsonrpc: '2.0';
  id: RpcId | null;
  result?: unknown;
  error?: { code: number; message: string };
}

export function rpcError(id: RpcId | null, code: number, message?: string): RpcResponse {
  return { jsonrpc: JSONRPC_VERSION, id, error: { code, message: message ?? RPC_ERROR_MESSAGES[code] ?? 'error' } };
}

/** One frame after the hello: snappy(JSON) of a message or a batch. */
export function encodeRpcFrame(msg: unknown): Buffer {
  return snappyCompress(Buffer.from(JSON.stringify(msg), 'utf8'));
}

/** A frame's message (or batch); throws a ProtocolError naming what is broken. */
export function decodeRpcFrame(data: Buffer, maxInflated: number): unknown {
  let json: Buffer;
  try {
    json = snappyUncompress(data, maxInflated);
  } catch (err) {
    if (err instanceof SnappyError) throw new ProtocolError(`RPC frame is not snappy: ${err.message}`);
    throw err;
  }
  try {
    return JSON.parse(json.toString('utf8'));
  } catch (err) {
    throw new ProtocolError(`RPC frame is not JSON: ${(err as Error).message}`);
  }
}
