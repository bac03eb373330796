// The HAProxy helper itself, against tiny TCP backends that greet with their name: connections
// are spread, survive a backend going away, follow the runtime API, and mTLS passes through.
import { beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { generatePki } from '../../src/pki/generate.js';
import { startHaproxy } from '../helpers/haproxy.js';

interface Backend { name: string; port: number; stop(): Promise<void>; start(): Promise<void> }

/** A backend that writes its name on each connection, then echoes; stop() also drops open connections. */
async function backend(name: string): Promise<Backend> {
  let server: Server | undefined;
  const open = new Set<Socket>();
  let port = 0;
  const start = async () => {
    const s = createServer((sock) => {
      open.add(sock);
      sock.on('close', () => open.delete(sock));
      sock.on('error', () => {});
      sock.write(`${name}\n`);
      sock.pipe(sock);
    });
    await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
    port = (s.address() as { port: number }).port;
    server = s;
  };
  await start();
  const b: Backend = {
    name,
    get port() { return port; },
    start,
    stop: async () => {
      for (const s of open) s.destroy();
      await new Promise((r) => server!.close(r));
    },
  };
  return b;
}

/** Connects through the proxy and returns the greeting of the backend that answered. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) {
        s.destroy();
        resolve(buf.split('\n')[0]!);
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed before a greeting (got '${buf}')`)));
  });
}

async function greetings(port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await greeting(port));
  return out;
}
const count = (xs: string[], x: string) => xs.filter((v) => v === x).length;

let a: Backend;
let b: Backend;
beforeAll(async () => {
  [a, b] = [await backend('a'), await backend('b')];
});

describe('startHaproxy (roundrobin)', () => {
  it('spreads connections over both backends and echoes through', async () => {
    const hp = await startHaproxy({ backends: [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }] });
    const seen = await greetings(hp.port, 6);
    expect([count(seen, 'a'), count(seen, 'b')], hp.config).toEqual([3, 3]);
    const echoed = await new Promise<string>((resolve, reject) => {
      const s = connect(hp.port, '127.0.0.1', () => s.write('ping\n'));
      let buf = '';
      s.on('data', (d) => {
        buf += d;
        if (buf.endsWith('ping\n')) (s.destroy(), resolve(buf));
      });
      s.on('error', reject);
    });
    expect(echoed).toMatch(/^[ab]\nping\n$/);
  });

  it('fails over when a backend stops (at once, by redispatch), marks it DOWN, and takes it back', async () => {
    const hp = await startHaproxy({ backends: [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }] });
    await b.stop();
    try {
      // Before any health check has noticed: refused connects are retried on the other server.
      expect(await greetings(hp.port, 4)).toEqual(['a', 'a', 'a', 'a']);
      await hp.waitForStatus(1, 'DOWN');
      expect(await hp.status(0)).toBe('UP');
      expect(await greetings(hp.port, 4)).toEqual(['a', 'a', 'a', 'a']);
    } finally {
      await b.start();
    }
    await hp.waitForStatus(1, 'UP');
    // A server back from DOWN re-enters roundrobin where it left off, so it may get a run of picks.
    expect(count(await greetings(hp.port, 4), 'b')).toBeGreaterThan(0);
  });

  it('setBackendState takes a backend out of rotation and puts it back', async () => {
    const hp = await startHaproxy({ backends: [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }] });
    await hp.setBackendState(0, 'down');
    expect(await hp.status(0)).toBe('MAINT');
    expect(await greetings(hp.port, 3)).toEqual(['b', 'b', 'b']);
    await hp.setBackendState(0, 'up');
    await hp.waitForStatus(0, 'UP');
    expect(count(await greetings(hp.port, 4), 'a')).toBeGreaterThan(0);
    await expect(hp.setBackendState(7, 'down')).rejects.toThrow(/refused to set s7/);
  });

  it('stop() ends it: the port refuses connections', async () => {
    const hp = await startHaproxy({ backends: [{ host: '127.0.0.1', port: a.port }] });
    expect(await greeting(hp.port)).toBe('a');
    await hp.stop();
    await expect(greeting(hp.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('startHaproxy (first)', () => {
  it('sends everything to the first backend until it goes away (active/standby)', async () => {
    const hp = await startHaproxy({ balance: 'first', backends: [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }] });
    expect(await greetings(hp.port, 3)).toEqual(['a', 'a', 'a']);
    await a.stop();
    try {
      await hp.waitForStatus(0, 'DOWN');
      expect(await greetings(hp.port, 3)).toEqual(['b', 'b', 'b']);
    } finally {
      await a.start();
    }
  });
});

describe('TCP passthrough', () => {
  it('a backend asking for a client certificate sees the one the client presented through HAProxy', async () => {
    const files = new Map((await generatePki({ intermediates: 0, cpHostnames: ['cp.example.com'], dpName: 'dp-1', keySpec: { type: 'ec', curve: 'P-256' }, days: 30, caDays: 60, now: new Date(Date.now() - 60_000) })).map((f) => [f.name, f.contents]));
    const tls = createTlsServer({ cert: files.get('cp.crt'), key: files.get('cp.key'), ca: files.get('ca.crt'), requestCert: true, rejectUnauthorized: true }, (s: TLSSocket) => {
      s.end(`${s.getPeerCertificate().subject.CN} via ${s.servername}\n`);
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const hp = await startHaproxy({ backends: [{ host: '127.0.0.1', port: (tls.address() as { port: number }).port }] });
      const answer = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: hp.port, servername: 'cp.example.com', ca: files.get('ca.crt'), cert: files.get('dp.crt'), key: files.get('dp.key') });
        let buf = '';
        s.on('data', (d) => (buf += d));
        s.on('end', () => resolve(buf));
        s.on('error', reject);
      });
      expect(answer).toBe('dp-1 via cp.example.com\n');
    } finally {
      await new Promise((r) => tls.close(r));
    }
  });
});
