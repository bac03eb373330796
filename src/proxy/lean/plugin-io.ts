// What the plugin runtime (src/plugins/runtime/request.ts) sees of a lean request: stand-ins for
// node:http's IncomingMessage and ServerResponse with the parts it and the PDK read. The request
// is a real Readable with no body (it ends as soon as anyone reads it), so body reads behave as
// they do on node:http; the response writes Kong's own answers (kong.response.exit, errors)
// through the connection, with node:http's bytes.
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { RequestHead } from './head.js';
import { chunkSize, responseHead, type HeadShape } from './reply.js';

// node:http keeps the first of these when a request repeats them (_http_incoming matchKnownFields).
const FIRST_ONLY = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

export class LeanIncoming extends Readable {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly httpVersion = '1.1';
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor = 1;
  readonly complete = true;
  private joined: Record<string, string | string[]> | null = null;
  private distinct: Record<string, string[]> | null = null;

  constructor(head: RequestHead, readonly socket: Socket) {
    super();
    this.method = head.method;
    this.url = head.url;
    // The connection's next request gets a list of its own (parseHead): this one stays as it is.
    this.rawHeaders = head.rawHeaders;
  }

  // Ended on the first read, not in the constructor: push(null) schedules the stream's end
  // (about 2 µs), and most requests with plugins never read their body.
  override _read(): void {
    this.push(null);
  }

  get headers(): Record<string, string | string[]> {
    if (this.joined) return this.joined;
    const out: Record<string, string | string[]> = {};
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toLowerCase();
      const v = raw[i + 1]!;
      const prev = out[k];
      if (k === 'set-cookie') out[k] = prev === undefined ? [v] : [...(prev as string[]), v];
      else if (prev === undefined) out[k] = v;
      else if (FIRST_ONLY.has(k)) continue;
      else out[k] = `${prev as string}${k === 'cookie' ? '; ' : ', '}${v}`;
    }
    return (this.joined = out);
  }

  get headersDistinct(): Record<string, string[]> {
    if (this.distinct) return this.distinct;
    const out: Record<string, string[]> = {};
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) (out[raw[i]!.toLowerCase()] ??= []).push(raw[i + 1]!);
    return (this.distinct = out);
  }
}

/** The connection side of a LeanOutgoing. */
export interface OutgoingOwner {
  send(data: Buffer): boolean;
  began(status: number, headBytes: number): void;
  done(): void;
  cut(): void;
}

const emitFinish = (res: LeanOutgoing) => {
  res.emit('finish');
  res.emit('close');
};
const emitClose = (res: LeanOutgoing) => res.emit('close');

export class LeanOutgoing extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  writableFinished = false;
  readonly writableNeedDrain = false;
  private head: string | null = null;
  private readonly shape: HeadShape = { length: false, bodiless: false };

  constructor(private readonly owner: OutgoingOwner, private readonly method: string) {
    super();
  }

  writeHead(status: number, headers: string[] | Record<string, string | string[] | number>): this {
    const flat: string[] = [];
    if (Array.isArray(headers)) flat.push(...headers);
    else for (const [k, v] of Object.entries(headers)) for (const x of Array.isArray(v) ? v : [v]) flat.push(k, String(x));
    this.statusCode = status;
    this.head = responseHead(status, flat, this.method === 'HEAD' || status === 204 || status === 304, this.shape);
    this.headersSent = true;
    return this;
  }

  end(body?: Buffer | string): this {
    if (this.writableFinished || this.destroyed) return this;
    if (this.head === null) this.writeHead(this.statusCode, []);
    const head = this.head!;
    const data = body === undefined || this.shape.bodiless ? null : typeof body === 'string' ? Buffer.from(body) : body;
    const chunked = !this.shape.length && !this.shape.bodiless;
    const tail = chunked && data && data.length > 0 ? chunkSize(data.length) : '';
    const out = Buffer.allocUnsafe(head.length + tail.length + (data ? data.length : 0) + (chunked ? (data && data.length > 0 ? 2 : 0) + 5 : 0));
    let pos = out.write(head, 0, 'latin1');
    pos += out.write(tail, pos, 'latin1');
    if (data) pos += data.copy(out, pos);
    if (chunked) {
      if (data && data.length > 0) pos += out.write('\r\n', pos, 'latin1');
      out.write('0\r\n\r\n', pos, 'latin1');
    }
    this.owner.began(this.statusCode, head.length);
    this.owner.send(out);
    this.owner.done();
    return this;
  }

  destroy(): this {
    if (!this.destroyed && !this.writableFinished) this.owner.cut();
    return this;
  }

  /** The response went out whole (by end(), or by the exchange). */
  finished(): void {
    this.writableFinished = true;
    this.headersSent = true;
    // Only a log handler listens (PluginRequest.afterLog): most requests skip the tick.
    if (this.listenerCount('finish') > 0 || this.listenerCount('close') > 0) process.nextTick(emitFinish, this);
  }

  /** The client left first. */
  closed(): void {
    this.destroyed = true;
    process.nextTick(emitClose, this);
  }
}

