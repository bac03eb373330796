// A raw socket dressed as the slice of ServerResponse the plugin loop writes to, so an upgrade
// request a plugin refuses gets a real HTTP answer before the connection closes.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';

export function socketSink(socket: Duplex): ServerResponse {
  const sink = new EventEmitter() as EventEmitter & { headersSent: boolean; writeHead: unknown; end: unknown; destroy: unknown };
  let head = '';
  sink.headersSent = false;
  sink.writeHead = (status: number, headers: string[] | Record<string, string | string[]>) => {
    const flat = Array.isArray(headers) ? headers : Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, v]));
    head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    for (let i = 0; i < flat.length; i += 2) head += `${flat[i]}: ${flat[i + 1]}\r\n`;
    head += 'connection: close\r\n\r\n';
    sink.headersSent = true;
    return sink;
  };
  sink.end = (body?: Buffer | string) => {
    socket.end(body ? Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]) : head);
    sink.emit('finish');
  };
  sink.destroy = () => socket.destroy();
  socket.once('close', () => sink.emit('close'));
  return sink as unknown as ServerResponse;
}
