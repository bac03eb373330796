// kong.request.get_header, ported from Kong's t/01-pdk/04-request/13-get_header.t (each case names
// its TEST), through a real proxy: on the lean path (a GET without a body) and on node:http's (a
// request with a body), which must answer alike.
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness.js';
import type { PluginModule } from '../../../src/plugins/types.js';
import { str } from '../../../src/plugins/schema/types.js';

/** Answers with what get_header returns for each name in its config, `nil` for none. */
const probe: PluginModule = {
  name: 'header-probe',
  version: '0.1-t',
  priority: 1000,
  schema: { fields: [['names', str()]] },
  access(kong, conf: Record<string, any>) {
    const out = (conf.names as string).split(',').map((n) => `${n}: ${kong.request.getHeader(n) ?? 'nil'}`);
    kong.response.exit(200, `${out.join('\n')}\n`);
  },
};

const CASES: { test: string; names: string; headers: Record<string, string | string[]>; body: string }[] = [
  { test: 'TEST 1: request.get_header() returns first header when multiple is given with same name', names: 'Accept', headers: { Accept: ['application/json', 'text/html'] }, body: 'Accept: application/json\n' },
  { test: 'TEST 2: request.get_header() returns values from case-insensitive metatable', names: 'X-Foo-Header,x-Foo-header,x_foo_header,x_Foo_header', headers: { 'X-Foo-Header': 'Hello' },
    body: 'X-Foo-Header: Hello\nx-Foo-header: Hello\nx_foo_header: Hello\nx_Foo_header: Hello\n' },
  { test: 'TEST 3: request.get_header() returns nil when header is missing', names: 'X-Missing', headers: { 'X-Foo-Header': 'Hello' }, body: 'X-Missing: nil\n' },
  { test: "TEST 4: request.get_header() returns empty string when header has no value", names: 'X-Foo-Header', headers: { 'X-Foo-Header': '' }, body: 'X-Foo-Header: \n' },
  // (hybridctl) a value that itself holds a comma is one value, kept whole.
  { test: 'a single value with a comma', names: 'X-List', headers: { 'X-List': 'a, b' }, body: 'X-List: a, b\n' },
];

describe('kong.request.get_header (t/01-pdk/04-request/13-get_header.t)', () => {
  const h = useHarness(() => ({
    services: [{ name: 's', routes: CASES.map((c, i) => ({ name: `r${i}`, paths: [`/t${i}`], plugins: [{ name: 'header-probe', config: { names: c.names } }] })) }],
  }), { modules: [probe] });
  CASES.forEach((c, i) => {
    it(`${c.test} (lean path)`, async () => {
      const r = await h().send({ path: `/t${i}`, headers: c.headers });
      expect(r.status).toBe(200);
      expect(r.body).toBe(c.body);
    });
    it(`${c.test} (node:http path, with a body)`, async () => {
      const r = await h().send({ path: `/t${i}`, method: 'POST', headers: c.headers, body: 'x=1' });
      expect(r.status).toBe(200);
      expect(r.body).toBe(c.body);
    });
  });
});
