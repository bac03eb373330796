// LuaJIT turns numbers into text with C's "%.14g"; the config hash depends on that exact text.
const PRECISION = 14;

export function formatLuaNumber(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const { digits, exp } = significant(Math.abs(x));
  // %g: fixed notation when -4 <= exponent < precision, scientific otherwise; trailing zeros dropped.
  if (exp >= -4 && exp < PRECISION) {
    let s: string;
    if (exp >= 0) {
      const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      s = `${int}.${digits.slice(exp + 1)}`;
    } else {
      s = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
    return sign + stripZeros(s);
  }
  const mant = stripZeros(`${digits[0]}.${digits.slice(1)}`);
  const e = Math.abs(exp);
  return `${sign}${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** 14 significant digits, correctly rounded, and the decimal exponent of the first one. */
function significant(abs: number): { digits: string; exp: number } {
  if (Number.isSafeInteger(abs)) {
    // Exact integers can tie at the 15th digit, where C rounds half to even and JS rounds up.
    const all = String(abs);
    if (all.length <= PRECISION) return { digits: all.padEnd(PRECISION, '0'), exp: all.length - 1 };
    return roundHalfEven(all);
  }
  const [m, e] = abs.toExponential(PRECISION - 1).split('e') as [string, string];
  return { digits: m.replace('.', ''), exp: Number(e) };
}

function roundHalfEven(all: string): { digits: string; exp: number } {
  let head = BigInt(all.slice(0, PRECISION));
  const rest = all.slice(PRECISION);
  const first = rest.charCodeAt(0) - 48;
  const tail = /[1-9]/.test(rest.slice(1));
  if (first > 5 || (first === 5 && (tail || head % 2n === 1n))) head += 1n;
  let digits = head.toString();
  let exp = all.length - 1;
  if (digits.length > PRECISION) {
    digits = digits.slice(0, PRECISION);
    exp += 1;
  }
  return { digits, exp };
}
