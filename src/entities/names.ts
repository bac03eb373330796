// Kong's string rules for names, tags and header names (typedefs.utf8_name, typedefs.tag,
// tools/http.validate_header_name), with Kong's messages. Kong sees bytes: a lone UTF-16 surrogate
// here is an invalid UTF-8 sequence there, reported at its 1-based byte position.

/** Longest name accepted; Kong has no limit, but a name is echoed in paths, logs and errors. */
export const MAX_NAME_LENGTH = 255;

/** The 1-based UTF-8 byte position of the first lone surrogate, or 0 when well-formed. */
export function badUtf8Position(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
        continue;
      }
      return bytes + 1;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return bytes + 1;
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return 0;
}

const utf8Error = (s: string): string | null => {
  const at = badUtf8Position(s);
  return at ? `invalid utf-8 character sequence detected at position ${at}` : null;
};

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** typedefs.utf8_name (service, route and plugin instance names). */
export function validateUtf8Name(name: string): string | null {
  if (codePoints(name) > MAX_NAME_LENGTH) return `length must be at most ${MAX_NAME_LENGTH}`;
  const bad = utf8Error(name);
  if (bad) return bad;
  // Every non-ASCII character is allowed; ASCII is limited to what is safe in a path segment.
  if (!/^(?:[A-Za-z0-9._~-]|[^\x00-\x7f])+$/.test(name)) {
    return `invalid value '${name}': the only accepted ascii characters are alphanumerics or ., -, _, and ~`;
  }
  return null;
}

/** typedefs.tag: printable ASCII except `,` and `/` (the tag filter's separators), or UTF-8. */
export function validateTag(tag: string): string | null {
  const bad = utf8Error(tag);
  if (bad) return bad;
  if (!/^[ !-+\-.0-~\u0080-\u{10ffff}]+$/u.test(tag)) return `invalid tag '${tag}': expected printable ascii (except \`,\` and \`/\`) or valid utf-8 sequences`;
  return null;
}

/** tools/http.validate_header_name. */
export function validateHeaderName(name: string): string | null {
  if (name === '') return 'no header name provided';
  return /^[A-Za-z0-9_-]+$/.test(name) ? null : `bad header name '${name}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;
}
