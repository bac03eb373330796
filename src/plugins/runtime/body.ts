// Request bodies for plugins: read once into memory (bounded), parsed by content type the way
// Kong's kong.request.get_body does (form, JSON, multipart text fields).
import type { IncomingMessage } from 'node:http';

/** Bodies larger than this are refused with 413 rather than held in memory. */
export const MAX_PLUGIN_BODY = 64 * 1024 * 1024;

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage, max = MAX_PLUGIN_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.destroy();
        reject(new BodyTooLarge(`request body larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

type Args = Record<string, unknown>;

function addArg(out: Args, k: string, v: string): void {
  const prev = out[k];
  out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
}

function parseForm(text: string): Args {
  const out: Args = {};
  for (const [k, v] of new URLSearchParams(text)) addArg(out, k, v);
  return out;
}

function parseMultipart(body: Buffer, boundary: string): Args {
  const out: Args = {};
  const text = body.toString('latin1');
  for (const part of text.split(`--${boundary}`)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep === -1) continue;
    const head = part.slice(0, sep);
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    let value = part.slice(sep + 4);
    if (value.endsWith('\r\n')) value = value.slice(0, -2);
    addArg(out, name, Buffer.from(value, 'latin1').toString('utf8'));
  }
  return out;
}

export function parseBody(body: Buffer, contentType: string | undefined): { type: 'form' | 'json' | 'multipart'; value: Args } | null {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('application/x-www-form-urlencoded')) return { type: 'form', value: parseForm(body.toString('utf8')) };
  if (ct.includes('application/json') || ct.includes('+json')) {
    try {
      const v: unknown = JSON.parse(body.toString('utf8'));
      return v && typeof v === 'object' && !Array.isArray(v) ? { type: 'json', value: v as Args } : null;
    } catch {
      return null;
    }
  }
  if (ct.includes('multipart/form-data')) {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
    const b = boundary?.[1] ?? boundary?.[2];
    return b ? { type: 'multipart', value: parseMultipart(body, b) } : null;
  }
  return null;
}

/** Query strings the way Kong's get_uri_args reads them: a bare key is `true`, repeats are arrays. */
export function parseQuery(raw: string): Record<string, string | true | (string | true)[]> {
  const out: Record<string, string | true | (string | true)[]> = {};
  if (!raw) return out;
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    const k = dec(eq === -1 ? pair : pair.slice(0, eq));
    const v: string | true = eq === -1 ? true : dec(pair.slice(eq + 1));
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function encodeQuery(args: Record<string, string | true | (string | true)[]>): string {
  const parts: string[] = [];
  for (const k of Object.keys(args).sort()) {
    const v = args[k]!;
    for (const x of Array.isArray(v) ? v : [v]) parts.push(x === true ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(x)}`);
  }
  return parts.join('&');
}

/** The query without `name` (compared decoded), the other arguments decoded and re-encoded in their order. */
export function removeQueryArg(raw: string, name: string): string {
  const dec = (x: string) => {
    try {
      return decodeURIComponent(x.replace(/\+/g, ' '));
    } catch {
      return x;
    }
  };
  const out: string[] = [];
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = dec(eq === -1 ? pair : pair.slice(0, eq));
    if (k === name) continue;
    out.push(eq === -1 ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(dec(pair.slice(eq + 1)))}`);
  }
  return out.join('&');
}
