// Weighted round-robin and passive health of upstream targets.
import { describe, expect, it } from 'vitest';
import { Balancer, DOWN_MS, FAILURES_TO_DOWN, parseTarget } from '../../../src/proxy/upstream/balancer.js';

describe('Balancer', () => {
  it('interleaves by weight (smooth round-robin)', () => {
    const b = new Balancer('u', null, [{ host: 'a', port: 1, weight: 2 }, { host: 'b', port: 1, weight: 1 }]);
    expect(Array.from({ length: 6 }, () => b.pick()!.host).join('')).toBe('abaaba');
  });

  it('skips weight-0 targets', () => {
    const b = new Balancer('u', null, [{ host: 'a', port: 1, weight: 0 }, { host: 'b', port: 1, weight: 10 }]);
    expect(new Set(Array.from({ length: 5 }, () => b.pick()!.host))).toEqual(new Set(['b']));
  });

  it('takes a target out after consecutive connection failures, and back after DOWN_MS', () => {
    let now = 1_000;
    const b = new Balancer('u', null, [{ host: 'a', port: 1, weight: 1 }, { host: 'b', port: 1, weight: 1 }], () => now);
    const a = b.peers[0]!;
    for (let i = 0; i < FAILURES_TO_DOWN - 1; i++) b.reportFailure(a);
    b.reportSuccess(a); // a success resets the count
    for (let i = 0; i < FAILURES_TO_DOWN - 1; i++) b.reportFailure(a);
    expect(Array.from({ length: 4 }, () => b.pick()!.host)).toContain('a');
    b.reportFailure(a);
    expect(Array.from({ length: 4 }, () => b.pick()!.host)).toEqual(['b', 'b', 'b', 'b']);
    now += DOWN_MS + 1;
    expect(Array.from({ length: 4 }, () => b.pick()!.host)).toContain('a');
  });

  it('has no peer when every target is down', () => {
    const b = new Balancer('u', null, [{ host: 'a', port: 1, weight: 1 }], () => 0);
    for (let i = 0; i < FAILURES_TO_DOWN; i++) b.reportFailure(b.peers[0]!);
    expect(b.pick()).toBeNull();
  });

  it.each([
    ['10.0.0.1:8080', { host: '10.0.0.1', port: 8080 }],
    ['example.test', { host: 'example.test', port: 8000 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
  ])('parses target %s', (t, want) => expect(parseTarget(t)).toEqual(want));
});
