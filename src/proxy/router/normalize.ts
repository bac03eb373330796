// The request path the router sees: no query string, percent-encoding of unreserved characters
// decoded, other escapes upper-cased, slashes merged and dot segments removed.
// Kong: tools/uri.lua normalize(uri, true).

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;

/** Fast path: most paths need no work at all. */
const NEEDS_WORK = /%|\/\/|\/\.|^[^/]/;

export function normalizePath(raw: string): string {
  if (!NEEDS_WORK.test(raw)) return raw;
  let path = raw.charCodeAt(0) === 47 ? raw : `/${raw}`;
  if (path.includes('%')) path = decodeUnreserved(path);
  path = path.replace(/\/{2,}/g, '/');
  return removeDotSegments(path);
}

function decodeUnreserved(path: string): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch === '%' && i + 2 < path.length) {
      const hi = hexValue(path.charCodeAt(i + 1));
      const lo = hexValue(path.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        const decoded = String.fromCharCode(hi * 16 + lo);
        out += UNRESERVED.test(decoded) ? decoded : `%${path.slice(i + 1, i + 3).toUpperCase()}`;
        i += 2;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

// RFC 3986 §5.2.4, on a path that starts with '/'.
function removeDotSegments(path: string): string {
  const segs = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i]!;
    const last = i === segs.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else out.push(s);
  }
  return `/${out.join('/')}`;
}
