// nginx's HTTP date parser (ngx.parse_http_time), which hmac-auth's clock-skew check uses. Kong
// accepts exactly what nginx accepts; Date.parse is far more lenient (ISO dates, time zones), so
// it would admit requests Kong refuses.
const MDAY = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const digit = (s: string, i: number) => s.charCodeAt(i) - 0x30;

/** nginx's month from its first letters (it reads only as many as it needs to tell them apart). */
function month(s: string, p: number): number {
  switch (s[p]) {
    case 'J': return s[p + 1] === 'a' ? 0 : s[p + 2] === 'n' ? 5 : 6;
    case 'F': return 1;
    case 'M': return s[p + 2] === 'r' ? 2 : 4;
    case 'A': return s[p + 1] === 'p' ? 3 : 7;
    case 'S': return 8;
    case 'O': return 9;
    case 'N': return 10;
    case 'D': return 11;
    default: return -1;
  }
}

/**
 * Seconds since the epoch, or null: RFC 1123 (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
 * (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`). As in nginx, the
 * weekday and whatever follows the time are not checked.
 */
export function parseHttpTime(s: string): number | null {
  const end = s.length;
  let fmt: 'rfc822' | 'rfc850' | 'isoc' | null = null;
  let p = 0;
  for (; p < end; p++) {
    if (s[p] === ',') break;
    if (s[p] === ' ') {
      fmt = 'isoc';
      break;
    }
  }
  for (p++; p < end; p++) if (s[p] !== ' ') break;
  if (end - p < 18) return null;
  let day = 0;
  if (fmt !== 'isoc') {
    if (!isDigit(s.charCodeAt(p)) || !isDigit(s.charCodeAt(p + 1))) return null;
    day = digit(s, p) * 10 + digit(s, p + 1);
    p += 2;
    if (s[p] === ' ') {
      if (end - p < 18) return null;
      fmt = 'rfc822';
    } else if (s[p] === '-') fmt = 'rfc850';
    else return null;
    p++;
  }
  const mon = month(s, p);
  if (mon < 0) return null;
  p += 3;
  if ((fmt === 'rfc822' && s[p] !== ' ') || (fmt === 'rfc850' && s[p] !== '-')) return null;
  p++;
  let year = 0;
  if (fmt === 'rfc822') {
    for (let i = 0; i < 4; i++) if (!isDigit(s.charCodeAt(p + i))) return null;
    year = digit(s, p) * 1000 + digit(s, p + 1) * 100 + digit(s, p + 2) * 10 + digit(s, p + 3);
    p += 4;
  } else if (fmt === 'rfc850') {
    if (!isDigit(s.charCodeAt(p)) || !isDigit(s.charCodeAt(p + 1))) return null;
    year = digit(s, p) * 10 + digit(s, p + 1);
    year += year < 70 ? 2000 : 1900;
    p += 2;
  }
  if (fmt === 'isoc') {
    if (s[p] === ' ') p++;
    if (!isDigit(s.charCodeAt(p))) return null;
    day = digit(s, p++);
    if (s[p] !== ' ') {
      if (!isDigit(s.charCodeAt(p))) return null;
      day = day * 10 + digit(s, p++);
    }
    if (s[p] !== ' ') return null;
    p++;
  } else if (s[p++] !== ' ') return null;

  const two = (): number | null => {
    if (!isDigit(s.charCodeAt(p)) || !isDigit(s.charCodeAt(p + 1))) return null;
    const v = digit(s, p) * 10 + digit(s, p + 1);
    p += 2;
    return v;
  };
  const hour = two();
  if (hour === null || s[p++] !== ':') return null;
  const min = two();
  if (min === null || s[p++] !== ':') return null;
  const sec = two();
  if (sec === null) return null;
  if (fmt === 'isoc') {
    if (s[p++] !== ' ') return null;
    for (let i = 0; i < 4; i++) if (!isDigit(s.charCodeAt(p + i))) return null;
    year = digit(s, p) * 1000 + digit(s, p + 1) * 100 + digit(s, p + 2) * 10 + digit(s, p + 3);
  }
  if (hour > 23 || min > 59 || sec > 59) return null;
  if (day === 29 && mon === 1) {
    if ((year & 3) !== 0 || (year % 100 === 0 && year % 400 !== 0)) return null;
  } else if (day > MDAY[mon]!) return null;
  return Date.UTC(year, mon, day, hour, min, sec) / 1000;
}
