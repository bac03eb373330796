// A real tinyproxy with Basic auth on a free loopback port, and an optional TLS front for it
// (an https forward proxy), for the forward-proxy paths of the sync client and doctor.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { tempDir } from './cli.js';
import { freePort } from './net.js';

export const PROXY_USER = 'hybrid';
export const PROXY_PASSWORD = 'S3cr3t-pass';


export interface Tinyproxy {
  port: number;
  url(creds?: { user: string; password: string } | null): string;
  log(): string;
}

export async function startTinyproxy(): Promise<Tinyproxy> {
  const dir = tempDir('tinyproxy-');
  const port = await freePort();
  const logFile = join(dir, 'tinyproxy.log');
  writeFileSync(
    join(dir, 'tinyproxy.conf'),
    [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 600', 'MaxClients 50', `LogFile "${logFile}"`, 'LogLevel Info', `PidFile "${join(dir, 'tinyproxy.pid')}"`, 'Allow 127.0.0.1', `BasicAuth ${PROXY_USER} ${PROXY_PASSWORD}`, 'DisableViaHeader Yes', ''].join('\n'),
  );
  const proc: ChildProcess = spawn('tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: 'ignore' });
  onTestFinished(() => {
    proc.kill('SIGTERM');
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = netConnect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const { readFileSync } = await import('node:fs');
  return {
    port,
    url: (creds = { user: PROXY_USER, password: PROXY_PASSWORD }) =>
      `http://${creds ? `${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@` : ''}127.0.0.1:${port}`,
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
}

/** A TLS terminator in front of a plain proxy: turns tinyproxy into an https forward proxy. */
export async function tlsFront(o: { certPem: string; keyPem: string; to: number }): Promise<{ port: number }> {
  const open = new Set<{ destroy(): void }>();
  const server = createTlsServer({ cert: o.certPem, key: o.keyPem }, (tls) => {
    const plain = netConnect(o.to, '127.0.0.1');
    open.add(tls);
    open.add(plain);
    tls.pipe(plain).pipe(tls);
    plain.on('error', () => tls.destroy());
    tls.on('error', () => plain.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => {
    for (const s of open) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as AddressInfo).port };
}
