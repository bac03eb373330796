// Priority layout and route splitting (Kong: router/transform.lua get_priority, split_routes_and_services_by_path).
import { describe, expect, it } from 'vitest';
import { compareSubRoutes, priorityOf, splitRoute } from '../../../../src/proxy/router/priority.js';
import { uuidV5 } from '../../../../src/proxy/router/uuid.js';
import { route } from './helpers.js';

const bits = (weight: number, plain: boolean, headers: number, regex: boolean, regexPriority: number, length: number) =>
  (BigInt(weight) << 61n) + (plain ? 1n << 60n : 0n) + (BigInt(headers) << 52n) + (regex ? 1n << 51n : 0n) +
  (BigInt(regexPriority) << 19n) + BigInt(length);

describe('uuidV5', () => {
  it('matches the RFC 4122 DNS-namespace vector', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('priorityOf', () => {
  const cases: [string, Parameters<typeof route>[0], string[] | null, bigint][] = [
    ['prefix path only', { paths: ['/abc'] }, ['/abc'], bits(1, false, 0, false, 0, 4)],
    ['plain hosts + path', { hosts: ['a.test'], paths: ['/x'] }, ['/x'], bits(2, true, 0, false, 0, 2)],
    ['wildcard host clears the plain bit', { hosts: ['a.test', '*.b.test'] }, null, bits(1, false, 0, false, 0, 0)],
    ['methods + 2 headers', { methods: ['GET'], headers: { a: ['1'], b: ['2'] } }, null, bits(2, false, 2, false, 0, 0)],
    ['regex path keeps regex_priority', { paths: ['~/a/\\d+'], regex_priority: 7 }, ['~/a/\\d+'], bits(1, false, 0, true, 7, 0)],
    ['regex_priority ignored on prefix paths', { paths: ['/abc'], regex_priority: 7 }, ['/abc'], bits(1, false, 0, false, 0, 4)],
    ['snis count toward the weight', { snis: ['a.test'], paths: ['/'] }, ['/'], bits(2, false, 0, false, 0, 1)],
    ['empty hosts array is "plain only"', { hosts: [], paths: ['/'] }, ['/'], bits(1, true, 0, false, 0, 1)],
    ['header count capped at 255', { headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`h${i}`, ['v']])) }, null, bits(1, false, 255, false, 0, 0)],
  ];
  it.each(cases)('%s', (_name, fields, paths, want) => {
    expect(priorityOf(route(fields), paths)).toBe(want);
  });
});

describe('splitRoute', () => {
  it('keeps a one-path route whole, with its own id', () => {
    const r = route({ paths: ['/a'] });
    expect(splitRoute(r).map((s) => s.id)).toEqual([r.id]);
  });

  it('splits regex and each prefix length apart, naming parts id#key', () => {
    const r = route({ id: 'a5a0c9bd-1a86-4b0c-9a5d-1b1b1b1b1b1b', paths: ['/ab', '/cd', '/efg', '~/x', '~/y'] });
    const subs = splitRoute(r);
    const byPaths = Object.fromEntries(subs.map((s) => [s.paths!.join(','), s]));
    expect(Object.keys(byPaths).sort()).toEqual(['/ab,/cd', '/efg', '~/x,~/y']);
    expect(byPaths['/ab,/cd']!.id).toBe(uuidV5('7f145bf9-0dce-4f91-98eb-debbce4b9f6b', `${r.id}#3`));
    expect(byPaths['~/x,~/y']!.id).toBe(uuidV5('7f145bf9-0dce-4f91-98eb-debbce4b9f6b', `${r.id}#true`));
    expect(byPaths['/efg']!.priority).toBe(bits(1, false, 0, false, 0, 4));
  });

  it('renames even when all paths share one length, as Kong does', () => {
    const r = route({ paths: ['/a', '/b'] });
    expect(splitRoute(r)[0]!.id).toBe(uuidV5('7f145bf9-0dce-4f91-98eb-debbce4b9f6b', `${r.id}#2`));
  });

  it('orders by priority, then id descending', () => {
    const a = splitRoute(route({ id: '11111111-0000-4000-8000-000000000000', paths: ['/x'] }))[0]!;
    const b = splitRoute(route({ id: 'ffffffff-0000-4000-8000-000000000000', paths: ['/x'] }))[0]!;
    const c = splitRoute(route({ id: '00000000-0000-4000-8000-000000000000', paths: ['/xy'] }))[0]!;
    expect([a, b, c].sort(compareSubRoutes).map((s) => s.id)).toEqual([c.id, b.id, a.id]);
  });
});
