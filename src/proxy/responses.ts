// Kong's own responses, with Kong's wording. Kong: runloop/handler.lua, tools/http.lua,
// error_handlers.lua.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { KONG_PROTOCOL_VERSION } from '../version.js';

export const SERVER_HEADER = `kong/${KONG_PROTOCOL_VERSION}`;
export const VIA_HEADER = `1.1 kong/${KONG_PROTOCOL_VERSION}`;

export const MESSAGES = {
  noRoute: 'no Route matched with those values',
  noService: 'no Service found with those values',
  noPeer: 'failure to get a peer from the ring-balancer',
  nameResolution: 'name resolution failed',
  unexpected: 'An unexpected error occurred',
  badGateway: 'An invalid response was received from the upstream server',
  timeout: 'The upstream server is timing out',
  useHttps: 'Please use HTTPS protocol',
  badRequest: 'Bad request',
  headerTooLarge: 'Request header or cookie too large',
} as const;

function errorHead(status: number, body: string, requestId: string, extra: Record<string, string>): Record<string, string | number> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    server: SERVER_HEADER,
    'x-kong-request-id': requestId,
    ...extra,
  };
}

export function sendError(res: ServerResponse, status: number, message: string, requestId: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ message });
  res.writeHead(status, errorHead(status, body, requestId, extra));
  res.end(body);
}

/** The same error written on a raw socket (an upgrade request that cannot be proxied). */
export function writeSocketError(socket: Duplex, status: number, message: string, requestId: string): void {
  const body = JSON.stringify({ message });
  const head = Object.entries(errorHead(status, body, requestId, { connection: 'close' }))
    .map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${head}\r\n${body}`);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 494: 'Request Header Or Cookie Too Large', 404: 'Not Found', 500: 'Internal Server Error', 426: 'Upgrade Required', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
