// bot-detection (Kong 3.10 typedefs is_regex + ngx.re.find with "jo"): a PCRE pattern, unanchored,
// no flags, matched against header bytes, as a JavaScript RegExp with the same meaning. What JS
// would read differently (POSIX classes, \h, \Q..\E, inline flags, possessive quantifiers, \S in
// a class) is refused as not a valid regex rather than matched some other way.

const SPACE = '\\t\\n\\v\\f\\r '; // PCRE's \s outside UCP mode; JS's \s also takes Unicode spaces.
const hex2 = (n: number) => `\\x${n.toString(16).padStart(2, '0')}`;
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}>/;

interface Scan {
  out: string;
  groups: number;
  maxBackref: number;
}

/** One escape at s[i] (the backslash); returns the JS text and how many characters it used. */
function escape(s: string, i: number, inClass: boolean, scan: Scan): [string, number] | null {
  const c = s[i + 1];
  if (c === undefined) return null;
  if (c >= '1' && c <= '9' && !inClass) {
    let j = i + 1;
    while (j < s.length && s[j]! >= '0' && s[j]! <= '9') j++;
    scan.maxBackref = Math.max(scan.maxBackref, Number(s.slice(i + 1, j)));
    return [s.slice(i, j), j - i];
  }
  if (!/[A-Za-z]/.test(c)) return [`\\${c}`, 2];
  switch (c) {
    case 'd': case 'D': case 'w': case 'W': case 'b': case 'n': case 'r': case 't': case 'f':
      return [`\\${c}`, 2];
    case 'B':
      return inClass ? null : ['\\B', 2];
    case 's':
      return [inClass ? SPACE : `[${SPACE}]`, 2];
    case 'S':
      return inClass ? null : [`[^${SPACE}]`, 2];
    case 'e':
      return ['\\x1b', 2];
    case 'a':
      return ['\\x07', 2];
    case 'A':
      return inClass ? null : ['^', 2];
    case 'z':
      return inClass ? null : ['$', 2];
    case 'Z':
      return inClass ? null : ['(?=\\n?$)', 2];
    case 'c': {
      const x = s[i + 2];
      if (x === undefined || x.charCodeAt(0) > 0x7e || x.charCodeAt(0) < 0x20) return null;
      return [hex2(x.toUpperCase().charCodeAt(0) ^ 0x40), 3];
    }
    case 'x': {
      if (s[i + 2] === '{') {
        const end = s.indexOf('}', i + 3);
        const digits = end === -1 ? '' : s.slice(i + 3, end);
        if (!/^[0-9A-Fa-f]{1,2}$/.test(digits.replace(/^0+(?=.)/, ''))) return null;
        return [hex2(parseInt(digits, 16)), end - i + 1];
      }
      let n = 0;
      while (n < 2 && isHex(s[i + 2 + n])) n++;
      return [hex2(n ? parseInt(s.slice(i + 2, i + 2 + n), 16) : 0), 2 + n];
    }
    default:
      // \h \v \R \K \G \Q \E \p \X \g \k \N \o \u ...: PCRE features JS lacks or reads as letters.
      return null;
  }
}

/** A group opening at s[i]; returns its JS text and length, or null when JS has no equivalent. */
function group(s: string, i: number, scan: Scan): [string, number] | null {
  if (s[i + 1] !== '?') {
    if (s[i + 1] === '*') return null; // PCRE verbs such as (*UTF)
    scan.groups++;
    return ['(', 1];
  }
  for (const op of ['?:', '?=', '?!', '?<=', '?<!']) if (s.startsWith(op, i + 1)) return [`(${op}`, op.length + 1];
  const named = s.startsWith('?P<', i + 1) ? 3 : s.startsWith('?<', i + 1) ? 2 : 0;
  if (named) {
    const m = GROUP_NAME.exec(s.slice(i + 1 + named));
    if (!m) return null;
    scan.groups++;
    return [`(?<${m[0]}`, 1 + named + m[0].length];
  }
  return null;
}

function translate(s: string): string | null {
  const scan: Scan = { out: '', groups: 0, maxBackref: 0 };
  let inClass = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    let piece: [string, number] | null;
    if (c === '\\') piece = escape(s, i, inClass, scan);
    else if (inClass) {
      if (c === ']') {
        inClass = false;
        piece = [']', 1];
      } else if (c === '[') {
        piece = s[i + 1] === ':' || s[i + 1] === '.' || s[i + 1] === '=' ? null : ['\\[', 1];
      } else piece = [c, 1];
    } else if (c === '[') {
      inClass = true;
      let open = '[';
      let n = 1;
      if (s[i + n] === '^') {
        open += '^';
        n++;
      }
      // PCRE reads a leading ']' as a member; JS would end the class there.
      if (s[i + n] === ']') {
        open += '\\]';
        n++;
      }
      piece = [open, n];
    } else if (c === '(') piece = group(s, i, scan);
    else if (c === '{' && s[i + 1] === ',') piece = null; // a quantifier in newer PCRE2, a literal in JS
    else piece = [c, 1];
    if (!piece) return null;
    scan.out += piece[0];
    i += piece[1];
  }
  if (inClass || scan.maxBackref > scan.groups) return null;
  return scan.out;
}

/** The pattern as Kong runs it, or null when it is not a valid regex (or not one JS can mirror). */
export function compilePcre(pattern: string): RegExp | null {
  // Kong matches bytes: a non-ASCII character in the pattern is its UTF-8 bytes, as the header is.
  const js = translate(Buffer.from(pattern, 'utf8').toString('latin1'));
  if (js === null) return null;
  try {
    return new RegExp(js);
  } catch {
    return null;
  }
}

export const regexMessage = (v: string): string | null => (compilePcre(v) ? null : `not a valid regex: ${v}`);
