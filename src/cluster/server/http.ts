// The little HTTP the cluster listener speaks before a WebSocket exists.
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

export interface OutletQuery {
  node_id?: string;
  node_hostname?: string;
  node_version?: string;
}

/** Kong reads ngx.var.arg_*: raw values, not URL-decoded, first occurrence wins. */
export function parseOutletQuery(query: string): OutletQuery {
  const out: Record<string, string> = {};
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if ((key === 'node_id' || key === 'node_hostname' || key === 'node_version') && !(key in out)) out[key] = value;
  }
  return out;
}

export function rejectHttp(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  const text = STATUS_CODES[status] ?? 'Error';
  const body = `${status} ${text}\n`;
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}
