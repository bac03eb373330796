// The plugin development kit handlers see: shaped like Kong's PDK (kong.request, kong.response,
// kong.service.request, kong.client, kong.ctx, kong.log), with the method names of Kong's own
// JavaScript PDK. Everything here is synchronous except reading the request body and shared
// counters, which may need to wait.
import type { Row } from '../../entities/index.js';

export type HeaderValue = string | string[];
export type Body = string | Buffer | Record<string, unknown> | unknown[] | null | undefined;

export interface KongRequest {
  getScheme(): 'http' | 'https';
  getHost(): string;
  getPort(): number;
  getMethod(): string;
  /** The normalized path, without the query string. */
  getPath(): string;
  /** Kong's get_path_with_query: the request target as the client sent it, not normalized. */
  getPathWithQuery(): string;
  getRawQuery(): string;
  getQueryArg(name: string): string | true | undefined;
  getQuery(): Record<string, string | true | (string | true)[]>;
  /** Case-insensitive; the first value when repeated. Sees changes made by kong.service.request. */
  getHeader(name: string): string | undefined;
  getHeaders(): Record<string, HeaderValue>;
  /** Every value of one header (repeats included), without building the whole header table. */
  getHeaderValues(name: string): string[] | undefined;
  /** The whole request body, read (at most `max` bytes) and kept for the upstream request. */
  getRawBody(max?: number): Promise<Buffer | null>;
  /** The body parsed by content type: form, JSON or multipart; null when it cannot be parsed. */
  getBody(): Promise<{ type: 'form' | 'json' | 'multipart'; value: Record<string, unknown> } | null>;
  getStartTime(): number;
  /** Kong's get_http_version: 1.0, 1.1, 2.0. */
  getHttpVersion(): number;
  /**
   * Like getRawBody, but reads no more than `limit` bytes: null when the body is longer. The rest
   * is then discarded, so the request can only be answered by an exit (request-size-limiting).
   */
  getRawBodyWithin(limit: number): Promise<Buffer | null>;
  /** Kong's get_uri_captures: the groups of the route's regex path that matched. */
  getUriCaptures(): { unnamed: string[]; named: Record<string, string> };
  /** nginx's $server_addr, $connection (serial) and $connection_requests, for correlation-id's tracker. */
  getConnection(): { serverAddr: string; serial: number; requests: number };
}

export interface KongResponse {
  /** Ends the request with this response; later access handlers do not run (Kong's delayed response). */
  exit(status: number, body?: Body, headers?: Record<string, HeaderValue>): void;
  /** Kong's kong.response.error: a JSON `{message}` with Kong's default message for the status. */
  error(status: number, message?: string, headers?: Record<string, HeaderValue>): void;
  getStatus(): number;
  setStatus(status: number): void;
  getHeader(name: string): string | undefined;
  getHeaders(): Record<string, HeaderValue>;
  setHeader(name: string, value: string | number): void;
  addHeader(name: string, value: string | number): void;
  clearHeader(name: string): void;
  /** 'service' when the upstream answered, 'exit' when a plugin or Kong itself did, 'error' on failures. */
  getSource(): 'service' | 'exit' | 'error';
  /** body_filter only: the whole response body. */
  getRawBody(): Buffer;
  setRawBody(body: string | Buffer): void;
}

export interface KongServiceRequest {
  setHeader(name: string, value: string | number | string[]): void;
  addHeader(name: string, value: string | number): void;
  clearHeader(name: string): void;
  setHeaders(headers: Record<string, string | string[]>): void;
  setRawQuery(query: string): void;
  setQuery(args: Record<string, string | true | (string | true)[]>): void;
  setPath(path: string): void;
  setMethod(method: string): void;
  setRawBody(body: string | Buffer): void;
}

export interface KongClient {
  getIp(): string;
  getForwardedIp(): string;
  getPort(): number;
  authenticate(consumer: Row | null, credential: Row | null): void;
  getConsumer(): Row | null;
  getCredential(): Row | null;
  /** A consumer of the current config by id (or by username when `byUsername`). */
  loadConsumer(idOrUsername: string, byUsername?: boolean): Row | null;
}

export interface KongLog {
  err(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  notice(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** Kong's kong.log.serialize (log phase): the request and response as Kong's log plugins send them. */
  serialize(): Record<string, unknown>;
  /** Kong's kong.log.set_serialize_value: `a.b` nests, `a\.b` is one key; undefined removes the key. */
  setSerializeValue(key: string, value: unknown, mode?: 'set' | 'add' | 'replace'): void;
  /** This plugin's logger, still right after the phase ended (queues, sockets and files answer later). */
  detached(): PluginLogger;
}

/** Log lines for work a plugin finishes after the request: the plugin's prefix, no request. */
export type PluginLogger = Pick<KongLog, 'err' | 'warn' | 'notice' | 'info' | 'debug'>;

/** Counters shared by every proxy worker of this data plane (Kong's shared dictionaries). */
export interface SharedCounters {
  /**
   * Adds `by` to each key (created with a lifetime of `ttlSec`) and returns the new values, in one
   * step across all workers. Synchronous with one worker; a round trip to the sync process otherwise.
   */
  increment(keys: readonly { key: string; ttlSec: number }[], by: number): number[] | Promise<number[]>;
  /** Current values, without changing them (0 for missing keys). */
  peek(keys: readonly string[]): number[] | Promise<number[]>;
  /**
   * A rate limit's one atomic step: when every key is below its limit, adds 1 to each and says
   * allowed; otherwise changes nothing. `values` are the usages after the step.
   */
  take(keys: readonly { key: string; ttlSec: number; limit: number }[]): TakeResult | Promise<TakeResult>;
}

export interface TakeResult {
  allowed: boolean;
  values: number[];
}

export interface Kong {
  request: KongRequest;
  response: KongResponse;
  service: { request: KongServiceRequest };
  client: KongClient;
  router: { getRoute(): Row | null; getService(): Row | null };
  ctx: { shared: Record<string, unknown>; plugin: Record<string, unknown> };
  log: KongLog;
  node: { getId(): string };
  /** What the current plugin's prepare() built from the config (credentials by key). */
  data: any;
  counters: SharedCounters;
  /** Log phase: what nginx's variables and Kong's ngx.ctx timings tell Kong's log plugins. */
  measure(): Measurements;
}

/** Kong's serializer sources: $request_time, KONG_PROXY_LATENCY, KONG_WAITING_TIME, $request_length, $bytes_sent. */
export interface Measurements {
  /** Whole request, ms ($request_time). */
  requestMs: number;
  /** Spent in the proxy itself before the upstream was asked (or until an exit answered), ms. */
  kongMs: number;
  /** From the request sent upstream to its response headers, ms; -1 when no upstream answered (Kong's -1). */
  upstreamMs: number;
  /** From the upstream's response headers to the end of the response, ms (KONG_RECEIVE_TIME); 0 when not proxied. */
  receiveMs: number;
  /** Request line, headers and body as received ($request_length). */
  requestBytes: number;
  /** Status line, headers and body sent to the client ($bytes_sent). */
  responseBytes: number;
}
