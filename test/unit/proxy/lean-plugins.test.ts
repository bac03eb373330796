// Plugins on the lean path: the same bundled plugins, configured alike, must send the upstream
// the same bytes and answer the client with the same bytes as the node:http path.
import { describe, expect, it } from 'vitest';
import { declarativeToConfigTable } from '../../../src/entities/index.js';
import type { ConfigTable } from '../../../src/proxy/config.js';
import { ALL, CATALOGUE } from '../plugins/harness.js';
import { RawClient, normalise, rawUpstream, twoProxies } from './lean-helpers.js';

function doc(port: number): ConfigTable {
  const route = (name: string, plugins: Record<string, unknown>[]) => ({ name, paths: [`/${name}`], plugins });
  return declarativeToConfigTable({
    _format_version: '3.0',
    consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'secret-key' }] }],
    services: [{
      name: 'up', url: `http://127.0.0.1:${port}`,
      routes: [
        route('key', [{ name: 'key-auth', config: { hide_credentials: true } }]),
        route('rl', [{ name: 'rate-limiting', config: { minute: 1000, policy: 'local' } }]),
        route('cors', [{ name: 'cors', config: { origins: ['http://a.test'], credentials: true } }]),
        route('rt', [{ name: 'request-transformer', config: { add: { headers: ['x-added:1'], querystring: ['q:1'] }, remove: { headers: ['x-remove'] }, rename: { headers: ['x-old:x-new'] } } }]),
        route('resp', [{ name: 'response-transformer', config: { add: { headers: ['x-resp:1'], json: ['added:true'] }, remove: { headers: ['x-up'] } } }]),
        route('cid', [{ name: 'correlation-id', config: { header_name: 'X-Correlation', generator: 'uuid', echo_downstream: true } }]),
        route('term', [{ name: 'request-termination', config: { status_code: 403, message: 'not today' } }]),
        route('all', [
          { name: 'key-auth' }, { name: 'rate-limiting', config: { second: 1000, policy: 'local' } }, { name: 'cors', config: { origins: ['*'] } },
          { name: 'response-transformer', config: { add: { headers: ['x-all:1'] } } }, { name: 'correlation-id', config: { echo_downstream: true } },
        ]),
      ],
    }],
  }, CATALOGUE) as ConfigTable;
}

// correlation-id's uuid#counter counts per process, across both proxies of the test.
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const clean = (s: string, port: number) => normalise(s, [port]).replace(UUID, '<uuid>').replace(/<uuid>#\d+/g, '<uuid>#n').replace(/^(ratelimit-reset|x-ratelimit-reset): \d+$/gim, '$1: -');

const GET = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: example.test\r\n${headers}\r\n`;

describe('lean path with plugins, byte for byte as node:http', () => {
  it('key-auth, rate-limiting, cors, request-transformer, response-transformer, correlation-id, request-termination', async () => {
    const up = await rawUpstream((head) => {
      const json = '{"from":"upstream"}';
      if (head.startsWith('GET /chunked')) return `HTTP/1.1 200 OK\r\nDate: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`;
      return `HTTP/1.1 200 OK\r\nDate: x\r\nContent-Type: application/json\r\nX-Up: hidden\r\nContent-Length: ${json.length}\r\n\r\n${json}`;
    });
    const requests = [
      GET('/key/a'), GET('/key/a', 'apikey: wrong\r\n'), GET('/key/a?x=1', 'apikey: secret-key\r\n'),
      GET('/rl/a'), GET('/rl/a'),
      GET('/cors/a', 'Origin: http://a.test\r\n'), `OPTIONS /cors/a HTTP/1.1\r\nHost: example.test\r\nOrigin: http://a.test\r\nAccess-Control-Request-Method: GET\r\n\r\n`,
      GET('/rt/a?z=2', 'X-Remove: 1\r\nX-Old: kept\r\n'),
      GET('/resp/a'), GET('/resp/chunked'), `HEAD /resp/a HTTP/1.1\r\nHost: example.test\r\n\r\n`,
      GET('/cid/a'), GET('/cid/a', 'X-Correlation: given\r\n'),
      GET('/term/a'), `POST /term/a HTTP/1.1\r\nHost: example.test\r\n\r\n`,
      GET('/all/a', 'apikey: secret-key\r\nOrigin: http://b.test\r\n'), GET('/all/a'),
    ];
    const { lean, node } = await twoProxies(doc(up.port), { plugins: ALL });
    const seen: Record<string, { responses: string[]; heads: string[] }> = {};
    for (const [name, p] of [['lean', lean], ['node', node]] as const) {
      const client = new RawClient(p.address.port);
      const before = up.heads.length;
      const responses: string[] = [];
      for (const raw of requests) responses.push(clean(await client.request(raw, raw.startsWith('HEAD')), p.address.port));
      seen[name] = { responses, heads: up.heads.slice(before).map((h) => clean(h, p.address.port)) };
      expect(client.closed).toBe(false);
    }
    expect(seen.lean!.heads).toEqual(seen.node!.heads);
    for (let i = 0; i < requests.length; i++) expect(seen.lean!.responses[i], requests[i]).toEqual(seen.node!.responses[i]);
    const [noKey, badKey, goodKey] = seen.lean!.responses;
    expect(noKey).toMatch(/^HTTP\/1.1 401 Unauthorized\r\n/);
    expect(badKey).toMatch(/^HTTP\/1.1 401 /);
    expect(goodKey).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    expect(seen.lean!.heads[0]).not.toContain('secret-key');
    expect(seen.lean!.responses[8]).toContain('"added":"true"');
    expect(seen.lean!.responses[9]).toContain('"added":"true"');
    expect(seen.lean!.responses[13]).toMatch(/^HTTP\/1.1 403 Forbidden\r\n[^]*not today/);
  });
});
