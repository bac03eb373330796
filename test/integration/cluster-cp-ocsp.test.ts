// cluster_ocsp against a real responder (`openssl ocsp -port`) serving an index with one good and
// one revoked DP certificate; a counting relay in front of it shows whether the CP asked at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Issued } from '../../src/pki/generate.js';
import { child, root } from '../helpers/pki.js';
import { EXT, makeRoot, makeSigned, openssl, type MadeCert } from '../helpers/openssl.js';
import { connectDp, startCp, type Outcome, type TestCp } from './cluster-cp-dp.js';

let dir: string;
let responder: ChildProcess;
let relay: Server;
let asked = 0;
let ca: MadeCert;
let good: { cert: string; key: string };
let revoked: { cert: string; key: string };
let unreachable: { cert: string; key: string };
let cpRoot: Issued;
let cpCert: Issued;
const open: Outcome[] = [];

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function leaf(name: string, ocspUrl: string): { cert: string; key: string } {
  const m = makeSigned(dir, name, ca, `${EXT.client}\nauthorityInfoAccess=OCSP;URI:${ocspUrl}`);
  return { cert: readFileSync(m.crt, 'utf8'), key: readFileSync(m.key, 'utf8') };
}

const serialOf = (pem: string, name: string) => {
  writeFileSync(join(dir, `${name}.pem`), pem);
  return openssl(['x509', '-in', `${name}.pem`, '-noout', '-serial'], dir).trim().replace(/^serial=/, '');
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cp-ocsp-'));
  ca = makeRoot(dir, 'ocsp-ca');
  const backendPort = await freePort();
  relay = createServer((req, res) => {
    asked += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // openssl's responder reads a plain Content-Length body, not chunks.
      const body = Buffer.concat(chunks);
      const fwd = request({ host: '127.0.0.1', port: backendPort, method: 'POST', path: '/', agent: false, headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length } }, (r) => {
        res.writeHead(r.statusCode ?? 502, { 'content-type': 'application/ocsp-response' });
        r.pipe(res);
      });
      fwd.on('error', () => res.writeHead(502).end());
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(relay.address() as { port: number }).port}/ocsp`;
  good = leaf('dp-good', url);
  revoked = leaf('dp-revoked', url);
  unreachable = leaf('dp-lost', `http://127.0.0.1:${await freePort()}/ocsp`);
  writeFileSync(join(dir, 'index.txt'), [
    `V\t301231235959Z\t\t${serialOf(good.cert, 'g')}\tunknown\t/CN=dp-good`,
    `R\t301231235959Z\t250101000000Z\t${serialOf(revoked.cert, 'r')}\tunknown\t/CN=dp-revoked`,
    '',
  ].join('\n'));
  responder = spawn('openssl', ['ocsp', '-index', 'index.txt', '-port', String(backendPort), '-rsigner', ca.crt, '-rkey', ca.key, '-CA', ca.crt, '-ignore_err'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  // The responder serves one connection at a time and stalls on a probe that sends nothing, so
  // readiness is read from its own "waiting" line rather than by connecting.
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/waiting for OCSP client connections/.test(out)) resolve();
    };
    responder.stdout!.on('data', onData);
    responder.stderr!.on('data', onData);
    responder.once('exit', (code) => reject(new Error(`openssl ocsp exited with ${code}: ${out}`)));
  });
  const past = new Date(Date.now() - 86_400_000);
  cpRoot = await root('CP Root', { notBefore: past });
  cpCert = await child(cpRoot, 'cp', 'cp.test', { dnsNames: ['cp.test'], notBefore: past });
});

afterAll(async () => {
  for (const o of open) if (o.kind === 'open') o.dp.ws.terminate();
  responder?.kill();
  await new Promise((r) => relay?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function cp(ocsp: 'on' | 'off' | 'optional'): Promise<TestCp> {
  return startCp({ mode: 'pki', certPem: cpCert.certPem, keyPem: cpCert.keyPem, caPems: [readFileSync(ca.crt, 'utf8')], ocsp });
}

async function dp(c: TestCp, who: { cert: string; key: string }): Promise<Outcome> {
  const o = await connectDp({ port: c.port, certPem: who.cert, keyPem: who.key, caPem: cpRoot.certPem, servername: 'cp.test' });
  open.push(o);
  return o;
}

describe('cluster_ocsp', () => {
  it('on: a good certificate connects, a revoked one is refused; answers are cached', async () => {
    const c = await cp('on');
    try {
      expect((await dp(c, good)).kind).toBe('open');
      expect(asked).toBe(1);
      expect((await dp(c, revoked)).kind).toBe('dropped');
      await c.line(/data plane client certificate was revoked: failed to validate OCSP response: certificate status "revoked" in the OCSP response reason=revoked/);
      expect(asked).toBe(2);
      expect((await dp(c, revoked)).kind).toBe('dropped');
      expect(asked).toBe(2);
      expect(c.server.metrics().rejected).toEqual({ revoked: 2 });
    } finally {
      await c.server.close();
    }
  });

  it('on: an unreachable responder refuses the DP', async () => {
    const c = await cp('on');
    try {
      expect((await dp(c, unreachable)).kind).toBe('dropped');
      await c.line(/data plane client certificate revocation check failed: failed to send request to OCSP responder: .*reason=ocsp-failed/);
    } finally {
      await c.server.close();
    }
  });

  it('optional: an unreachable responder lets the DP in with a warning; revoked is still refused', async () => {
    const c = await cp('optional');
    try {
      expect((await dp(c, unreachable)).kind).toBe('open');
      await c.line(/\[warn\].*data plane client certificate revocation check failed: failed to send request to OCSP responder/);
      const before = asked;
      expect((await dp(c, revoked)).kind).toBe('dropped');
      expect(asked).toBe(before + 1);
    } finally {
      await c.server.close();
    }
  });

  it('off: the responder is not asked, even for a revoked certificate', async () => {
    const c = await cp('off');
    try {
      const before = asked;
      expect((await dp(c, revoked)).kind).toBe('open');
      expect(asked).toBe(before);
    } finally {
      await c.server.close();
    }
  });
});
