// The steps of a data plane's path to its control plane, in the order the DP takes them. Each step
// says what it checked and, when it failed, the one thing to change.
import { lookup } from 'node:dns/promises';
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { errorMessage } from '../errors.js';
import { parseCertificate, type Cert } from '../pki/cert.js';
import { certificatesFrom, privateKeyFrom } from '../pki/pem.js';
import { verifyChain } from '../pki/verify/index.js';
import { SHARED_CN } from '../pki/profiles.js';
import { connectThroughProxy } from '../cluster/tunnel.js';
import { maskUrlCredentials } from '../conf/index.js';
import { OUTLET_PATH, decodeReconfigure, encodeBasicInfo } from '../cluster/protocol/messages.js';
import type { DoctorInput, StepResult } from './types.js';

export interface Ctx {
  input: DoctorInput;
  host: string;
  port: number;
  socket?: Socket | TLSSocket;
  tls?: TLSSocket;
  own?: Cert[];
}

const ok = (detail: string): Omit<StepResult, 'id' | 'title'> => ({ ok: true, detail });
const fail = (detail: string, fix: string): Omit<StepResult, 'id' | 'title'> => ({ ok: false, detail, fix });

export async function ownCertificate(c: Ctx) {
  const i = c.input;
  const own = certificatesFrom({ what: 'cluster_cert', text: i.certPem });
  const key = privateKeyFrom({ what: 'cluster_cert_key', text: i.keyPem });
  c.own = own;
  const anchors = i.mode === 'pki' && i.caPems.length > 0 ? i.caPems.flatMap((p) => certificatesFrom({ what: 'cluster_ca_cert', text: p })) : [own[0]!];
  const report = verifyChain({ presented: own, anchors, key }, { mode: i.mode, role: 'dp', at: i.now });
  // The DP's cluster_ca_cert is the CA of the CP certificate; the CP may trust another CA for DPs.
  const problems = report.problems.filter((p) => !(i.mode === 'pki' && p.code === 'untrusted') && !(i.mode === 'shared' && p.code === 'pinned'));
  if (problems.length > 0) {
    const p = problems[0]!;
    const fix =
      p.code === 'eku'
        ? 'issue a DP certificate with clientAuth: hybridctl gen-cert --mode pki --profile dp --issuer-cert CA.crt --issuer-key CA.key --out-cert dp.crt --out-key dp.key'
        : p.code === 'key-mismatch'
          ? 'cluster_cert_key must be the key of cluster_cert; pass the matching pair'
          : p.code === 'expired' || p.code === 'not-yet-valid'
            ? 'issue a new certificate (hybridctl gen-cert) and restart the data plane'
            : 'issue a new certificate with hybridctl gen-cert';
    return fail(`${p.code}: ${p.message}`, fix);
  }
  const leaf = own[0]!;
  const days = Math.floor((leaf.notAfter.getTime() - i.now.getTime()) / 86_400_000);
  return ok(`${leaf.subject}, key matches, valid for ${days} more days${i.mode === 'pki' ? ', clientAuth' : ''}`);
}

export async function dns(c: Ctx) {
  const target = c.input.proxy ? new URL(c.input.proxy.url).hostname.replace(/^\[|\]$/g, '') : c.host;
  if (isIP(target)) return ok(`${target} is an IP address`);
  try {
    const all = await lookup(target, { all: true });
    return ok(`${target} → ${all.map((a) => a.address).join(', ')}${c.input.proxy ? ' (forward proxy; the proxy resolves the CP name)' : ''}`);
  } catch (err) {
    const what = c.input.proxy ? 'the forward proxy host (proxy_server)' : 'the control plane host (cluster_control_plane)';
    return fail(`cannot resolve ${target}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, `check ${what} and this machine's DNS (/etc/resolv.conf)`);
  }
}

export async function tcp(c: Ctx) {
  const i = c.input;
  if (i.proxy) {
    try {
      c.socket = await connectThroughProxy({ proxyUrl: i.proxy.url, sslVerify: i.proxy.sslVerify, caPems: i.proxy.caPems, target: { host: c.host, port: c.port }, timeoutMs: i.timeoutMs });
      return ok(`CONNECT ${c.host}:${c.port} through ${maskUrlCredentials(i.proxy.url).replace(/\/$/, '')} accepted`);
    } catch (err) {
      const msg = errorMessage(err);
      const fix = /40[17]|authentication/.test(msg)
        ? 'the proxy refused the credentials: put user:password (percent-encoded) in proxy_server'
        : /certificate|self-signed|verify/i.test(msg)
          ? 'the https proxy certificate is not trusted: add its CA to lua_ssl_trusted_certificate, or set proxy_server_ssl_verify = off'
          : 'check proxy_server (scheme, host, port) and that the proxy allows CONNECT to the CP port';
      return fail(msg, fix);
    }
  }
  try {
    c.socket = await new Promise<Socket>((resolveConn, reject) => {
      const s = tcpConnect({ host: c.host, port: c.port });
      const timer = setTimeout(() => s.destroy(new Error(`no answer within ${i.timeoutMs} ms`)), i.timeoutMs);
      s.once('connect', () => (clearTimeout(timer), resolveConn(s)));
      s.once('error', (e) => (clearTimeout(timer), reject(e)));
    });
    return ok(`connected to ${c.host}:${c.port}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix =
      code === 'ECONNREFUSED'
        ? `nothing listens on ${c.host}:${c.port}: start the control plane or check its cluster_listen and cluster_control_plane's port`
        : 'a firewall or route blocks the cluster port; if this network requires a forward proxy set cluster_use_proxy = on and proxy_server';
    return fail(`${c.host}:${c.port}: ${code ?? errorMessage(err)}`, fix);
  }
}

export async function tlsHandshake(c: Ctx) {
  const i = c.input;
  const servername = i.mode === 'shared' ? SHARED_CN : i.serverName ?? c.host;
  try {
    c.tls = await new Promise<TLSSocket>((resolveTls, reject) => {
      const s = tlsConnect({
        socket: c.socket,
        servername: isIP(servername) ? undefined : servername,
        cert: i.certPem,
        key: i.keyPem,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
        ALPNProtocols: ['http/1.1'],
      });
      const timer = setTimeout(() => s.destroy(new Error(`no TLS answer within ${i.timeoutMs} ms`)), i.timeoutMs);
      s.once('secureConnect', () => (clearTimeout(timer), resolveTls(s)));
      s.once('error', (e) => (clearTimeout(timer), reject(e)));
    });
    return ok(`${c.tls.getProtocol()} with SNI ${servername}`);
  } catch (err) {
    const msg = errorMessage(err);
    const fix = /wrong version number|packet length too long/i.test(msg)
      ? 'the peer does not speak TLS on this port: point cluster_control_plane at the CP cluster_listen (8005), not the Admin API or proxy port'
      : i.proxy && i.mode === 'shared'
        ? `TLS-aware proxies often refuse the SNI ${SHARED_CN}: use cluster_mtls = pki with cluster_server_name set to the CP's DNS name`
        : 'check that the control plane listens with TLS on the cluster port';
    return fail(msg, fix);
  }
}

export async function cpCertificate(c: Ctx) {
  const i = c.input;
  // getPeerCertificate(true) first: after getPeerX509Certificate() Node returns an empty object for it.
  const presented = peerChain(c.tls!);
  if (presented.length === 0) return fail('the control plane presented no certificate', 'configure cluster_cert on the control plane');
  if (i.mode === 'shared') {
    const mine = c.own![0]!;
    if (presented[0]!.sha256 === mine.sha256) return ok('the control plane presents the same cluster_cert (shared mode pin)');
    return fail(
      `the control plane presents ${presented[0]!.subject} (sha256 ${presented[0]!.sha256.slice(0, 16)}…), not this node's cluster_cert`,
      'shared mode needs the very same cluster_cert/cluster_cert_key on CP and DP: copy the CP pair to this node',
    );
  }
  const anchors = i.caPems.flatMap((p) => certificatesFrom({ what: 'cluster_ca_cert', text: p }));
  if (anchors.length === 0) return fail('no cluster_ca_cert to check the control plane against', 'set cluster_ca_cert (--ca-cert-file) to the root CA of the CP certificate');
  const name = i.serverName ?? c.host;
  const report = verifyChain({ presented, anchors }, { mode: 'pki', role: 'cp', serverName: name, at: i.now });
  if (!report.valid) {
    const p = report.problems[0]!;
    const fix =
      p.code === 'hostname'
        ? `the CP certificate is not valid for ${name}: set cluster_server_name (--server-name) to one of its names, or reissue it with --cp-hostname ${name}`
        : p.code === 'untrusted'
          ? 'cluster_ca_cert is not the root the CP certificate chains to (or the CP does not send its intermediates in cluster_cert)'
          : p.code === 'eku'
            ? 'the CP certificate lacks serverAuth: reissue it with hybridctl gen-cert --mode pki --profile cp'
            : 'reissue the control plane certificate';
    return fail(`${p.code}: ${p.message}`, fix);
  }
  return ok(`${presented[0]!.subject} chains to ${report.path.at(-1)?.subject ?? 'the CA'}, valid for ${name}`);
}

export async function upgrade(c: Ctx, got: { ws?: WebSocket }) {
  const i = c.input;
  const q = new URLSearchParams({ node_id: i.nodeId, node_hostname: i.hostname, node_version: i.version });
  const authority = c.host.includes(':') ? `[${c.host}]:${c.port}` : `${c.host}:${c.port}`;
  return new Promise<Omit<StepResult, 'id' | 'title'>>((done) => {
    const ws = new WebSocket(`wss://${authority}${OUTLET_PATH}?${q}`, { createConnection: () => c.tls!, handshakeTimeout: i.timeoutMs, perMessageDeflate: false });
    ws.once('upgrade', () => {
      got.ws = ws;
      done(ok('WebSocket /v1/outlet upgraded (101)'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const fix =
          res.statusCode === 400
            ? 'the control plane refused the handshake parameters; this is a version or node_id problem, see the message'
            : res.statusCode === 404
              ? 'this port is not a hybrid control plane cluster listener (role = control_plane, cluster_listen)'
              : 'the control plane refused this certificate: check its log, its cluster_mtls and cluster_ca_cert';
        done(fail(`HTTP ${res.statusCode}${body ? `: ${body.trim().slice(0, 200)}` : ''}`, fix));
      });
    });
    ws.once('error', (err) => {
      const msg = errorMessage(err);
      done(fail(msg, /socket hang up|ECONNRESET|closed/i.test(msg) ? 'the control plane closed the connection during the handshake: it refused this certificate (see its log)' : 'see the message'));
    });
  });
}

export async function firstConfig(c: Ctx, got: { ws?: WebSocket }) {
  const i = c.input;
  const ws = got.ws!;
  return new Promise<Omit<StepResult, 'id' | 'title'>>((done) => {
    const timer = setTimeout(() => done(fail(`no reconfigure within ${i.timeoutMs} ms`, 'the control plane accepted the connection but sent no configuration: check its log and this data plane\'s sync_status (a configured plugin missing here gives plugin_set_incompatible)')), i.timeoutMs);
    ws.once('message', (data: Buffer, isBinary: boolean) => {
      clearTimeout(timer);
      const decoded = isBinary ? decodeReconfigure(data) : Promise.reject(new Error('a text frame instead of a binary reconfigure'));
      decoded.then(
        (msg) => {
          const t = msg.config_table;
          const count = (k: string) => (Array.isArray(t[k]) ? (t[k] as unknown[]).length : 0);
          done(ok(`reconfigure received: config_hash ${msg.config_hash}, ${count('services')} services, ${count('routes')} routes`));
        },
        (err: unknown) => done(fail(`unexpected first message: ${errorMessage(err)}`, 'the peer is not a compatible control plane')),
      );
    });
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      done(fail(`connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`, 'the control plane dropped this data plane: see its log (version compatibility, certificate)'));
    });
    ws.send(encodeBasicInfo({ plugins: i.plugins ?? [], labels: i.labels }), { binary: true });
  });
}

function peerChain(s: TLSSocket): Cert[] {
  const out: Cert[] = [];
  const seen = new Set<string>();
  let cur = s.getPeerCertificate(true) as { raw?: Buffer; issuerCertificate?: unknown; fingerprint256?: string };
  while (cur?.raw && !seen.has(cur.fingerprint256 ?? '')) {
    seen.add(cur.fingerprint256 ?? '');
    out.push(parseCertificate(cur.raw));
    cur = cur.issuerCertificate as typeof cur;
  }
  return out;
}
