// The request path the router sees, as Kong computes it (tools/uri.lua normalize(uri, true)):
// every %XX that is not a reserved character is decoded (unreserved and "other" characters
// alike), reserved escapes are upper-cased, slashes merged and dot segments removed.
// The path sent upstream is re-escaped with escapeUpstream (Kong: uri.escape in runloop/handler.lua).

// Kong: RESERVED_CHARS; '%' itself is reserved, so "%2525" never decodes twice.
const RESERVED = new Set([...'!*\'();:@&=+$,/?%#[]'].map((c) => c.charCodeAt(0)));
const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
const HEX = '0123456789ABCDEF';
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function normalizePath(raw: string): string {
  if (raw === '' || raw === '/') return raw;
  // Node only hands over origin-form paths; keep the router's leading '/' invariant for the rest.
  let uri = raw.charCodeAt(0) === 47 ? raw : `/${raw}`;
  if (uri.includes('%')) uri = percentDecode(uri);
  if (!uri.includes('.') && !uri.includes('//')) return uri;
  return removeDots(uri);
}

function percentDecode(path: string): string {
  let out = '';
  let high: number[] | null = null; // decoded bytes >= 0x80 of a pending UTF-8 sequence
  let highRaw = '';
  const flush = (): void => {
    if (!high) return;
    // Kong decodes to raw bytes; a JS string needs them to be UTF-8, so an invalid sequence stays escaped.
    try { out += utf8.decode(Uint8Array.from(high)); } catch { out += highRaw.toUpperCase(); }
    high = null;
    highRaw = '';
  };
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch === '%' && i + 2 < path.length) {
      const hi = hexValue(path.charCodeAt(i + 1));
      const lo = hexValue(path.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        const byte = hi * 16 + lo;
        const triplet = path.slice(i, i + 3);
        i += 2;
        if (byte >= 0x80) {
          (high ??= []).push(byte);
          highRaw += triplet;
          continue;
        }
        flush();
        out += RESERVED.has(byte) ? triplet.toUpperCase() : String.fromCharCode(byte);
        continue;
      }
    }
    flush();
    out += ch;
  }
  flush();
  return out;
}

// Kong's segment loop: each kept segment carries its leading '/', "/.." drops the last one.
function removeDots(input: string): string {
  let uri = input;
  const out: string[] = [];
  while (uri.length > 0) {
    if (uri === '/.') uri = '/';
    else if (uri === '/..') { uri = '/'; out.pop(); }
    else if (uri === '.' || uri === '..') uri = '';
    else if (uri.startsWith('../')) uri = uri.slice(3);
    else if (uri.startsWith('./')) uri = uri.slice(2);
    else if (uri.startsWith('/./')) uri = uri.slice(2);
    else if (uri.startsWith('/../')) { uri = uri.slice(3); out.pop(); }
    else if (uri.startsWith('//')) uri = uri.slice(1);
    else {
      const i = uri.indexOf('/', 1);
      if (i === -1) { out.push(uri); uri = ''; } else { out.push(uri.slice(0, i)); uri = uri.slice(i); }
    }
  }
  return out.join('');
}

// Kong: ESCAPE_PATTERN, matched case-insensitively, so a-z stay as they are.
const NEEDS_ESCAPE = /[^!#$&'()*+,/:;=?@[\]A-Za-z0-9\-_.~%]/;

/** The upstream path as Kong forwards it: characters unsafe in a request line percent-escaped (UTF-8 bytes). */
export function escapeUpstream(path: string): string {
  if (!NEEDS_ESCAPE.test(path)) return path;
  let out = '';
  for (const ch of path) {
    if (!NEEDS_ESCAPE.test(ch)) { out += ch; continue; }
    for (const b of Buffer.from(ch, 'utf8')) out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}
