// Response heads written by the lean path, byte for byte what node:http's ServerResponse writes
// for the same writeHead() call (status text, header order, Date, Connection, Keep-Alive,
// Transfer-Encoding), so a client cannot tell which path answered.
import { STATUS_CODES } from 'node:http';
import { SERVER_HEADER } from '../responses.js';

/** node:http's keepAliveTimeout on the proxy listener, announced in Keep-Alive. */
export const KEEP_ALIVE_MS = 60_000;
export const CONNECTION_LINES = `Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n`;

// node:http caches its Date for the current second; so does this.
let dateSecond = -1;
let dateLine = '';
export function currentDate(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== dateSecond) {
    dateSecond = sec;
    dateLine = `Date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateLine;
}

const statusLines = new Map<number, string>();
export function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

export interface HeadShape {
  /** The flat list has a Content-Length. */
  length: boolean;
  /** The response carries no body (HEAD, 204, 304): no chunked framing either. */
  bodiless: boolean;
}

/**
 * A response head from a flat [name, value, …] list. `shape` is filled in: whether the body
 * goes chunked (node's default when the length is unknown) is the caller's next decision.
 */
export function responseHead(status: number, flat: readonly string[], bodiless: boolean, shape: HeadShape): string {
  let head = statusLine(status);
  let date = false;
  let length = false;
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    head += `${name}: ${flat[i + 1]}\r\n`;
    // node:http's own test: only these exact lengths need a look at the name.
    if (name.length === 4 && name.toLowerCase() === 'date') date = true;
    else if (name.length === 14 && name.toLowerCase() === 'content-length') length = true;
  }
  if (!date) head += currentDate();
  head += CONNECTION_LINES;
  shape.length = length;
  shape.bodiless = bodiless;
  if (!length && !bodiless) head += 'Transfer-Encoding: chunked\r\n';
  return `${head}\r\n`;
}

/** Kong's JSON error (sendError in responses.ts) as node:http would write it. */
export function errorResponse(status: number, message: string, requestId: string, latency: number | null): Buffer {
  const body = JSON.stringify({ message });
  let head = `${statusLine(status)}content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nserver: ${SERVER_HEADER}\r\nx-kong-request-id: ${requestId}\r\n`;
  if (latency !== null) head += `x-kong-response-latency: ${latency}\r\n`;
  head += currentDate() + CONNECTION_LINES;
  return Buffer.from(`${head}\r\n${body}`, 'latin1');
}

const HEX_CRLF: string[] = [];
/** A chunk's size line (lower-case hex, as node writes it). */
export function chunkSize(n: number): string {
  if (n < 4096) return (HEX_CRLF[n] ??= `${n.toString(16)}\r\n`);
  return `${n.toString(16)}\r\n`;
}
