// Declarative ids derived the way Kong derives them (uuid v5 under Kong's namespace); the expected
// values were computed with Python's uuid module as an independent implementation.
import { describe, expect, it } from 'vitest';
import { declarativeToConfigTable, declarativeToRows, parseDeclarativeText, uuidV5 } from '../../../src/entities/index.js';

const YAML = `
_format_version: "3.0"
services:
  - name: web
    url: http://web.internal:8080
    routes:
      - name: web-root
        paths: [/]
    plugins:
      - name: rate-limiting
        config: { minute: 5 }
upstreams:
  - name: web.pool
    targets:
      - target: 10.1.0.1:80
consumers:
  - username: alice
plugins:
  - name: key-auth
routes:
  - paths: [/anonymous]
    service: web
`;

describe('declarative configuration', () => {
  it('implements RFC 4122 v5', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it("gives entities Kong's deterministic ids: endpoint keys, plugin and target cache keys", () => {
    const rows = declarativeToRows(parseDeclarativeText(YAML));
    expect(rows.services[0]!.id).toBe('268670a9-7534-5600-96d9-9f0f0aee2eb7');
    expect(rows.routes.find((r) => r.name === 'web-root')!.id).toBe('97a843c7-9e3c-5cdf-b6ab-667ea7608eb4');
    expect(rows.plugins.find((p) => p.name === 'rate-limiting')!.id).toBe('f0da6d1a-1953-59b8-89d5-0b16b7df0411');
    expect(rows.upstreams[0]!.id).toBe('f30f68d2-c5e4-5901-879d-2d62ec17cb0f');
    expect(rows.targets[0]!.id).toBe('c7ad69e8-207b-55fc-8242-9b707ace1b9d');
    expect(rows.consumers[0]!.id).toBe('b32379d9-3d28-5683-a79c-72139be6e34f');
    expect(rows.plugins.find((p) => p.name === 'key-auth')!.id).toBe('6b4f38d1-e026-540b-a5ea-8634739dd2a7');
    // No name: Kong would pick a random id; ours derives it from the content, so it is stable too.
    const anon = rows.routes.find((r) => r.name === null)!;
    expect(declarativeToRows(parseDeclarativeText(YAML)).routes.find((r) => r.name === null)!.id).toBe(anon.id);
    expect(anon.service).toEqual({ id: '268670a9-7534-5600-96d9-9f0f0aee2eb7' });
  });

  it('flattens to the config_table a data plane serves, foreign keys as ids', () => {
    const t = declarativeToConfigTable(parseDeclarativeText(YAML));
    expect((t.routes as { service: string }[]).every((r) => r.service === '268670a9-7534-5600-96d9-9f0f0aee2eb7')).toBe(true);
    expect((t.targets as { upstream: string; target: string }[])[0]).toMatchObject({ upstream: 'f30f68d2-c5e4-5901-879d-2d62ec17cb0f', target: '10.1.0.1:80' });
  });

  it('names every problem by entity, position and field', () => {
    // Kong's phases: schema errors first (nested like the input), references only once those pass.
    expect(() => declarativeToRows(parseDeclarativeText('_format_version: "3.0"\nservices:\n  - name: a\n    port: x\nroutes:\n  - service: missing\n    paths: [/]\n'))).toThrow(
      'declarative config is invalid: {services={{host="required field missing",port="expected an integer"}}}',
    );
    expect(() => declarativeToRows(parseDeclarativeText('_format_version: "3.0"\nroutes:\n  - name: r\n    service: missing\n    paths: [/]\n'))).toThrow(
      `declarative config is invalid: {routes={r={"invalid reference 'service: missing' (no such entry in 'services')"}}}`,
    );
    expect(() => declarativeToRows({ _format_version: '4.0' })).toThrow('declarative config is invalid: {_format_version="expected one of: 1.1, 2.1, 3.0"}');
    expect(() => parseDeclarativeText('services: [')).toThrow(/failed parsing declarative configuration/);
  });

  it('migrates 1.1/2.1 regex paths to ~ paths as Kong does on load, and leaves 3.0 files alone', () => {
    const doc = (v: string) => parseDeclarativeText(`_format_version: "${v}"\nservices:\n  - name: s\n    host: s.test\n    routes:\n      - name: r\n        paths: [/plain/path, /users/\\d+, "/caf%C3%A9%2E"]\n`);
    expect(declarativeToRows(doc('2.1')).routes[0]!.paths).toEqual(['/plain/path', '~/users/\\d+', '/caf%C3%A9%2E']);
    expect(declarativeToRows(doc('1.1')).routes[0]!.paths).toEqual(['/plain/path', '~/users/\\d+', '/caf%C3%A9%2E']);
    expect(declarativeToRows(doc('3.0')).routes[0]!.paths).toEqual(['/plain/path', '/users/\\d+', '/caf%C3%A9%2E']);
  });
});
