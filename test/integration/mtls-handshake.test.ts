// A real mutual-TLS handshake with the pairs gen-cert makes: what Kong's CP and DP will do.
import { describe, expect, it, onTestFinished } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { runCli, tempDir } from '../helpers/cli.js';

async function pki(): Promise<(f: string) => Buffer> {
  const dir = tempDir();
  const r = await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir, '--intermediates', '2', '--cp-hostname', 'cp.test']);
  expect(r.code, r.stderr).toBe(0);
  return (f) => readFileSync(join(dir, f));
}

function server(f: (x: string) => Buffer): Promise<{ port: number; peers: string[] }> {
  const peers: string[] = [];
  const srv = tls.createServer({ cert: f('cp.crt'), key: f('cp.key'), ca: f('ca.crt'), requestCert: true, rejectUnauthorized: true }, (s) => {
    peers.push(s.getPeerX509Certificate()?.subject ?? '');
    s.end('hello');
  });
  srv.on('tlsClientError', () => {});
  onTestFinished(() => new Promise<void>((done) => srv.close(() => done())));
  return new Promise((done) => srv.listen(0, '127.0.0.1', () => done({ port: (srv.address() as AddressInfo).port, peers })));
}

function connect(port: number, opts: tls.ConnectionOptions): Promise<string> {
  return new Promise((done, fail) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...opts }, () => {
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('end', () => done(data));
    });
    s.on('error', fail);
  });
}

describe('mTLS with gen-cert pairs', () => {
  it('a DP certificate (with its chain) is accepted by a CP that trusts the root', async () => {
    const f = await pki();
    const { port, peers } = await server(f);
    expect(await connect(port, { cert: f('dp.crt'), key: f('dp.key'), ca: f('ca.crt'), servername: 'cp.test' })).toBe('hello');
    expect(peers).toEqual(['CN=kong-dp']);
  });

  it('the CP certificate presented as a client certificate is refused (serverAuth only)', async () => {
    const f = await pki();
    const { port, peers } = await server(f);
    // With TLS 1.3 the client may finish its side before the server judges the client certificate,
    // so the refusal shows as either an error or a connection closed without the greeting.
    const outcome = await connect(port, { cert: f('cp.crt'), key: f('cp.key'), ca: f('ca.crt'), servername: 'cp.test' }).catch((e: Error) => `refused: ${e.message}`);
    expect(outcome).not.toBe('hello');
    expect(peers).toEqual([]);
  });

  it('the DP refuses a CP whose certificate does not name the server it dials', async () => {
    const f = await pki();
    const { port } = await server(f);
    await expect(connect(port, { cert: f('dp.crt'), key: f('dp.key'), ca: f('ca.crt'), servername: 'other.test' })).rejects.toThrow(/altnames|does not match/);
  });
});
