// Address parsing and CIDR matching for ip-restriction (what Kong gets from resty.ipmatcher and
// kong.tools.ip): strict inet_pton-style parsing, lists compiled once per config.

/** An IPv4 address as an unsigned 32-bit number. */
export function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    // inet_pton refuses empty parts, non-digits and leading zeros ("01" could be read as octal).
    if (p.length === 0 || p.length > 3 || !/^\d+$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/** An IPv6 address as four unsigned 32-bit words (brackets allowed, as ipmatcher allows them). */
export function parseIpv6(input: string): Uint32Array | null {
  let s = input;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.length === 0 || s.includes('%')) return null;
  const groups: number[] = [];
  let gap = -1;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseSide = (side: string, allowV4: boolean): number[] | null => {
    if (side === '') return [];
    const out: number[] = [];
    const items = side.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (allowV4 && i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (v4 === null) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (!/^[0-9A-Fa-f]{1,4}$/.test(it)) return null;
      out.push(parseInt(it, 16));
    }
    return out;
  };
  if (halves.length === 2) {
    const left = parseSide(halves[0]!, false);
    const right = parseSide(halves[1]!, true);
    if (!left || !right || left.length + right.length > 7) return null;
    groups.push(...left);
    gap = groups.length;
    groups.push(...right);
  } else {
    const all = parseSide(s, true);
    if (!all || all.length !== 8) return null;
    groups.push(...all);
  }
  const full = gap === -1 ? groups : [...groups.slice(0, gap), ...new Array<number>(8 - groups.length).fill(0), ...groups.slice(gap)];
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = full[2 * i]! * 65536 + full[2 * i + 1]!;
  return words;
}

// Kong's prefix tables: exactly the decimal strings "0".."32" / "0".."128".
const prefixOf = (p: string, max: number): number | null => (/^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= max ? Number(p) : null);

type Entry = { v: 4; addr: number; bits: number } | { v: 6; addr: Uint32Array; bits: number };

function parseEntry(s: string): Entry | null {
  const slash = s.indexOf('/');
  const ip = slash === -1 ? s : s.slice(0, slash);
  const prefix = slash === -1 ? null : s.slice(slash + 1);
  const v4 = parseIpv4(ip);
  if (v4 !== null) {
    const bits = prefix === null ? 32 : prefixOf(prefix, 32);
    return bits === null ? null : { v: 4, addr: v4, bits };
  }
  const v6 = parseIpv6(ip);
  if (v6 !== null) {
    const bits = prefix === null ? 128 : prefixOf(prefix, 128);
    return bits === null ? null : { v: 6, addr: v6, bits };
  }
  return null;
}

/** typedefs.ip_or_cidr, with Kong's message. */
export function checkIpOrCidr(v: string): string | null {
  return parseEntry(v) ? null : `invalid ip or cidr range: '${v}'`;
}

const mask32 = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

/** A client address, parsed once per request; an IPv4-mapped IPv6 address also carries its IPv4 form. */
export interface ClientAddr {
  v4: number | null;
  v6: Uint32Array | null;
  /** How the address is reported (the IPv4 form of a mapped address). */
  text: string;
}

export function parseClient(ip: string): ClientAddr | null {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return { v4, v6: Uint32Array.of(0, 0, 0xffff, v4), text: ip };
  const v6 = parseIpv6(ip);
  if (!v6) return null;
  if (v6[0] === 0 && v6[1] === 0 && v6[2] === 0xffff) {
    const mapped = v6[3]!;
    return { v4: mapped, v6, text: [mapped >>> 24, (mapped >>> 16) & 255, (mapped >>> 8) & 255, mapped & 255].join('.') };
  }
  return { v4: null, v6, text: ip };
}

/**
 * A compiled allow or deny list. IPv4 clients are also checked against IPv6 entries in their
 * mapped form (::ffff:a.b.c.d), and mapped IPv6 clients against IPv4 entries: one host, one verdict,
 * whichever socket family it arrived on.
 */
export class CidrMatcher {
  private readonly exact4 = new Set<number>();
  private readonly nets4: { net: number; mask: number }[] = [];
  private readonly exact6 = new Set<string>();
  private readonly nets6: { net: Uint32Array; bits: number }[] = [];

  constructor(list: readonly string[]) {
    for (const s of list) {
      const e = parseEntry(s);
      // The schema refuses these; a config that got here anyway must not weaken the list silently.
      if (!e) throw new Error(`invalid ip or cidr range: '${s}'`);
      if (e.v === 4) {
        if (e.bits === 32) this.exact4.add(e.addr);
        else {
          const mask = mask32(e.bits);
          this.nets4.push({ net: (e.addr & mask) >>> 0, mask });
        }
      } else if (e.bits === 128) this.exact6.add(e.addr.join(','));
      else this.nets6.push({ net: e.addr, bits: e.bits });
    }
  }

  get empty(): boolean {
    return this.exact4.size + this.nets4.length + this.exact6.size + this.nets6.length === 0;
  }

  match(c: ClientAddr): boolean {
    if (c.v4 !== null) {
      if (this.exact4.has(c.v4)) return true;
      for (const n of this.nets4) if (((c.v4 & n.mask) >>> 0) === n.net) return true;
    }
    if (c.v6) {
      if (this.exact6.size && this.exact6.has(c.v6.join(','))) return true;
      for (const n of this.nets6) if (within6(c.v6, n.net, n.bits)) return true;
    }
    return false;
  }
}

function within6(addr: Uint32Array, net: Uint32Array, bits: number): boolean {
  for (let w = 0; w < 4 && bits > 0; w++, bits -= 32) {
    const m = mask32(Math.min(32, bits));
    if (((addr[w]! & m) >>> 0) !== ((net[w]! & m) >>> 0)) return false;
  }
  return true;
}
