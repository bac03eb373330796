// A whole hybrid cluster on loopback for the demo: a PKI, a control plane, data planes in pki mode
// and a small upstream that says which request it saw.
import { enabledPlugins } from '../plugins/enabled.js';
import { BUNDLED } from '../plugins/registry.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generatePki, issueLeaf } from '../pki/generate.js';
import { loadIssuer } from '../pki/issuer.js';
import { writeFilesAtomically } from '../util/atomic-write.js';
import type { Logger } from '../log.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { startDataPlane, type DataPlane } from './data-plane.js';

export interface DemoCluster {
  dir: string;
  upstream: { host: string; port: number };
  cp: ControlPlane;
  dps: DataPlane[];
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

export async function startUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    const body = JSON.stringify({ upstream: 'hybridctl demo', method: req.method, path: req.url, forwarded_host: req.headers['x-forwarded-host'] ?? null });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((done) => server.listen(0, LOOPBACK, done));
  return server;
}

export async function startDemoCluster(o: { dir: string; dataPlanes: number; now: Date; log: Logger }): Promise<DemoCluster> {
  const files = await generatePki({ intermediates: 1, cpHostnames: ['localhost', LOOPBACK], dpName: 'demo-dp-1', keySpec: { type: 'ec', curve: 'P-256' }, days: 30, caDays: 365, now: o.now });
  writeFilesAtomically(files.map((f) => ({ path: join(o.dir, f.name), contents: f.contents, mode: f.secret ? 0o600 : 0o644 })), { force: true });
  const read = (name: string) => files.find((f) => f.name === name)!.contents;
  const issuer = await loadIssuer({ what: 'intermediate-1.crt', text: read('intermediate-1.crt') }, { what: 'intermediate-1.key', text: read('intermediate-1.key') });
  const upstreamServer = await startUpstream();
  const upstream = { host: LOOPBACK, port: (upstreamServer.address() as AddressInfo).port };
  const started: { close(): Promise<void> }[] = [{ close: () => new Promise((done) => upstreamServer.close(() => done())) }];
  const stop = async () => {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
  };
  try {
    const cp = await startControlPlane(
      {
        prefix: join(o.dir, 'cp'),
        mode: 'pki',
        certPem: read('cp.crt'),
        keyPem: read('cp.key'),
        caPems: [read('ca.crt')],
        clusterListen: [{ host: LOOPBACK, port: 0 }],
        adminListen: [{ host: LOOPBACK, port: 0, ssl: false }],
        statusListen: [],
        maxIntermediates: 3,
        ocsp: 'off',
        maxPayload: 16 * 1024 * 1024,
        plugins: enabledPlugins('bundled', BUNDLED).modules,
      purgeDelaySec: 1_209_600,
      },
      o.log.child('cp'),
    );
    started.push(cp);
    const dps: DataPlane[] = [];
    for (let n = 1; n <= o.dataPlanes; n++) {
      let certPem = read('dp.crt');
      let keyPem = read('dp.key');
      if (n > 1) {
        const leaf = await issueLeaf('dp', issuer, { cpHostnames: [], dpName: `demo-dp-${n}`, keySpec: { type: 'ec', curve: 'P-256' }, days: 30, now: o.now });
        certPem = leaf.certPem;
        keyPem = leaf.keyPem;
      }
      const dp = await startDataPlane(
        {
          prefix: join(o.dir, `dp-${n}`),
          mode: 'pki',
          cpAddress: `localhost:${cp.addresses.cluster.port}`,
          certPem,
          keyPem,
          caPems: [read('ca.crt')],
          serverName: 'localhost',
          forwardProxy: null,
          proxyListeners: [{ host: LOOPBACK, port: 0, ssl: false }],
          statusListen: [{ host: LOOPBACK, port: 0, ssl: false }],
          cacheMode: 'unencrypted',
          plugins: enabledPlugins('bundled', BUNDLED).modules,
        workers: 1,
          hostname: `demo-dp-${n}`,
        },
        o.log.child(`dp-${n}`),
      );
      started.push(dp);
      dps.push(dp);
    }
    return { dir: o.dir, upstream, cp, dps, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
