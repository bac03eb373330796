// tcp-log and udp-log, ported from Kong's spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua and
// spec/03-plugins/02-udp-log/01-udp-log_spec.lua (each case names its it()), through a real control
// plane and data plane sending to listeners on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tcpLog } from '../../../src/plugins/tcp-log/index.js';
import { udpLog } from '../../../src/plugins/udp-log/index.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { LUA_CODE_REFUSED } from '../../../src/plugins/log-shared/fields.js';
import { until } from '../../helpers/cluster.js';
import { freePort } from '../../helpers/net.js';
import { serverPair } from '../../helpers/tls-certs.js';
import { useCluster } from './harness.js';
import { tcpListener, udpListener, type LineListener } from './log-collectors.js';

describe('tcp-log and udp-log schemas (hybridctl: Kong\'s typedefs.host, typedefs.port and defaults)', () => {
  it('tcp-log fills Kong\'s defaults', () => {
    expect(validateConfig(tcpLog.schema, { host: '127.0.0.1', port: 9 })).toEqual({
      config: { host: '127.0.0.1', port: 9, timeout: 10000, keepalive: 60000, tls: false, tls_sni: null, custom_fields_by_lua: null }, errors: null,
    });
  });
  it('udp-log fills Kong\'s defaults', () => {
    expect(validateConfig(udpLog.schema, { host: 'logs.test', port: 9 })).toEqual({ config: { host: 'logs.test', port: 9, timeout: 10000, custom_fields_by_lua: null }, errors: null });
  });
  it('host and port are required, with Kong\'s messages for bad ones', () => {
    expect(validateConfig(tcpLog.schema, {}).errors).toEqual({ host: 'required field missing', port: 'required field missing' });
    expect(validateConfig(udpLog.schema, { host: 'logs.test:514', port: 70000 }).errors).toEqual({ host: 'must not have a port', port: 'value should be between 0 and 65535' });
    expect(validateConfig(tcpLog.schema, { host: 'bad host', port: 1 }).errors).toEqual({ host: 'invalid value: bad host' });
  });
  it('custom fields by lua are refused', () => {
    expect(validateConfig(udpLog.schema, { host: 'h.test', port: 1, custom_fields_by_lua: { new_field: 'return 123' } }).errors).toEqual({ custom_fields_by_lua: LUA_CODE_REFUSED });
  });
});

let tcp: LineListener;
let udp: LineListener;
let tls: { server: TlsServer; port: number; messages: string[]; servernames: (string | false)[] };
let deadPort = 0;

beforeAll(async () => {
  [tcp, udp, deadPort] = [await tcpListener(), await udpListener(), await freePort()];
  const pair = await serverPair('logs.test', 'ec');
  const messages: string[] = [];
  const servernames: (string | false)[] = [];
  const server = createTlsServer({ cert: pair.cert, key: pair.key }, (s) => {
    servernames.push((s as unknown as { servername: string | false }).servername);
    s.on('data', (d: Buffer) => messages.push(...d.toString().split('\n').filter(Boolean)));
    s.on('error', () => undefined);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  tls = { server, port: (server.address() as AddressInfo).port, messages, servernames };
});

afterAll(async () => {
  await Promise.all([tcp?.close(), udp?.close(), new Promise((ok) => tls?.server.close(ok))]);
});

function fixture(): Record<string, unknown> {
  const route = (host: string, plugin: Record<string, unknown>) => ({ name: host, hosts: [host], plugins: [plugin] });
  return {
    services: [{
      name: 'svc',
      routes: [
        route('tcp_logging.test', { name: 'tcp-log', config: { host: '127.0.0.1', port: tcp.port } }),
        route('tcp_logging_tls.test', { name: 'tcp-log', config: { host: '127.0.0.1', port: tls.port, tls: true, tls_sni: 'logs.test' } }),
        route('tcp_logging_down.test', { name: 'tcp-log', config: { host: '127.0.0.1', port: deadPort } }),
        route('udp_logging.test', { name: 'udp-log', config: { host: '127.0.0.1', port: udp.port } }),
      ],
    }],
  };
}

const withId = (l: LineListener | { messages: string[] }, id: string) => until(async () => {
  const hit = l.messages.map((m) => JSON.parse(m)).find((m) => m.request.headers['x-log-id'] === id);
  return hit;
}, `the entry for ${id}`);

describe('tcp-log (spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua) and udp-log (spec/03-plugins/02-udp-log/01-udp-log_spec.lua)', () => {
  const h = useCluster(fixture);
  const get = (host: string, id: string) => h().send({ host, path: '/request', headers: { 'x-log-id': id } });

  it('logs to TCP', async () => {
    expect((await get('tcp_logging.test', 'tcp-1')).status).toBe(200);
    const m = await withId(tcp, 'tcp-1');
    expect(m.client_ip).toBe('127.0.0.1');
    // Since it's over HTTP, let's make sure there are no TLS information
    expect(m.request.tls).toBeUndefined();
  });

  it('logs proper latencies', async () => {
    expect((await get('tcp_logging.test', 'tcp-2')).status).toBe(200);
    const m = await withId(tcp, 'tcp-2');
    expect(m.latencies.proxy).toBeLessThan(3000);
    expect(1 + m.latencies.request).toBeGreaterThanOrEqual(m.latencies.kong + m.latencies.proxy);
  });

  it('(hybridctl) keeps the connection for keepalive ms: one connection for many requests, one line each', async () => {
    for (let i = 0; i < 5; i++) expect((await get('tcp_logging.test', `tcp-ka-${i}`)).status).toBe(200);
    for (let i = 0; i < 5; i++) await withId(tcp, `tcp-ka-${i}`);
    expect(tcp.connections).toBe(1);
  });

  it('performs a TLS handshake on the remote TCP server', async () => {
    expect((await get('tcp_logging_tls.test', 'tls-1')).status).toBe(200);
    const m = await withId(tls, 'tls-1');
    expect(m.client_ip).toBe('127.0.0.1');
    expect(tls.servernames).toContain('logs.test');
  });

  it('(hybridctl) a log server that refuses connections is logged; requests are served', async () => {
    expect((await get('tcp_logging_down.test', 'down-1')).status).toBe(200);
    await until(async () => h().lines.find((l) => String(l.msg).includes(`[tcp-log] failed to connect to 127.0.0.1:${deadPort}: connection refused`)), 'the connect error');
  });

  it('logs to UDP', async () => {
    expect((await get('udp_logging.test', 'udp-1')).status).toBe(200);
    const m = await withId(udp, 'udp-1');
    expect(m.client_ip).toBe('127.0.0.1');
    expect(m.request.method).toBe('GET');
  });

  it('logs proper latencies (udp-log)', async () => {
    expect((await get('udp_logging.test', 'udp-2')).status).toBe(200);
    const m = await withId(udp, 'udp-2');
    expect(m.latencies.proxy).toBeLessThan(3000);
    expect(1 + m.latencies.request).toBeGreaterThanOrEqual(m.latencies.kong + m.latencies.proxy);
  });
});
