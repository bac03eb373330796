// Kong's listener syntax: `<ip|[ipv6]|host>:<port> [flags]`, comma-separated, `off` first disables all.
import { isIP } from 'node:net';

export interface Listener {
  ip: string;
  port: number;
  ssl: boolean;
  http2: boolean;
  proxy_protocol: boolean;
  deferred: boolean;
  bind: boolean;
  reuseport: boolean;
  backlog?: number;
  /** `ip:port` then the flags in Kong's order, as Kong renders it. */
  listener: string;
}

const FLAG_ORDER = ['ssl', 'http2', 'proxy_protocol', 'deferred', 'bind', 'reuseport'] as const;
const VALUED = [/^backlog=\d+$/, /^ipv6only=(on|off)$/, /^so_keepalive=(on|off|\w*:\w*:\d*)$/];

export const LISTENER_FORM =
  '[off] | <ip>:<port> [ssl] [http2] [proxy_protocol] [deferred] [bind] [reuseport] [backlog=%d+] [ipv6only=on] [ipv6only=off] [so_keepalive=on] [so_keepalive=off] [so_keepalive=%w*:%w*:%d*], [... next entry ...]';

export type ListenerResult = { ok: true; listeners: Listener[] } | { ok: false; message: string };

/** Kong normalises IPv6 to its full form: [::1] → [0000:…:0001]. */
export function expandIpv6(ip: string): string {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail !== undefined ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0').toLowerCase()).join(':');
}

export function parseListeners(key: string, value: string | null): ListenerResult {
  const bad = { ok: false as const, message: `${key} must be of form: ${LISTENER_FORM}` };
  if (value === null) return bad;
  const entries = value.split(',').map((e) => e.trim());
  if (/^off(\s|$)/.test(entries[0] ?? '')) return { ok: true, listeners: [] };
  const out: Listener[] = [];
  for (const entry of entries) {
    const words = entry.split(/\s+/).filter(Boolean);
    const addr = words.shift();
    if (!addr) return bad;
    const m = /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(addr) ?? /^([^\s:[\]]+):(\d+)$/.exec(addr);
    if (!m) return bad;
    let ip = m[1]!;
    const port = Number(m[2]);
    if (port > 65535) return bad;
    if (addr.startsWith('[')) {
      if (isIP(ip) !== 6) return bad;
      ip = `[${expandIpv6(ip)}]`;
    }
    const l: Listener = { ip, port, ssl: false, http2: false, proxy_protocol: false, deferred: false, bind: false, reuseport: false, listener: '' };
    const extra: string[] = [];
    for (const w of words) {
      if ((FLAG_ORDER as readonly string[]).includes(w)) (l as unknown as Record<string, boolean>)[w] = true;
      else if (VALUED.some((r) => r.test(w))) {
        extra.push(w);
        if (w.startsWith('backlog=')) l.backlog = Number(w.slice(8));
      } else return bad;
    }
    l.listener = [`${ip}:${port}`, ...FLAG_ORDER.filter((f) => f !== 'http2' && l[f]), ...extra].join(' ');
    out.push(l);
  }
  return { ok: true, listeners: out };
}

/** Host for a socket to bind: brackets off, IPv6 as Node accepts it. */
export function bindHost(l: Listener): string {
  return l.ip.startsWith('[') ? l.ip.slice(1, -1) : l.ip;
}
