// request-size-limiting, ported from Kong's spec/03-plugins/12-request-size-limiting/01-access_spec.lua
// (each case names its it()).
import { describe, expect, it } from 'vitest';
import { requestSizeLimiting } from '../../../src/plugins/request-size-limiting/index.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { MAX_PLUGIN_BODY } from '../../../src/plugins/runtime/body.js';
import { useCluster } from './harness.js';

const TEST_SIZE = 2;
const MB = 2 ** 20;
const FACTOR: Record<string, number> = { bytes: 1, kilobytes: 1024, megabytes: MB };

describe('request-size-limiting (schema)', () => {
  it('(hybridctl) fills Kong\'s defaults', () => {
    expect(validateConfig(requestSizeLimiting.schema, {})).toEqual({ config: { allowed_payload_size: 128, size_unit: 'megabytes', require_content_length: false }, errors: null });
  });
  it('(hybridctl) size_unit is one of Kong\'s units', () => {
    expect(validateConfig(requestSizeLimiting.schema, { size_unit: 'gigabytes' }).errors).toEqual({ size_unit: 'expected one of: megabytes, kilobytes, bytes' });
  });
  it('(hybridctl) allowed_payload_size is an integer', () => {
    expect(validateConfig(requestSizeLimiting.schema, { allowed_payload_size: 1.5 }).errors).toEqual({ allowed_payload_size: 'expected an integer' });
  });
});

function fixture(): Record<string, unknown> {
  const route = (host: string, config: Record<string, unknown>) => ({ name: host, hosts: [host], plugins: [{ name: 'request-size-limiting', config }] });
  return {
    services: [{
      name: 'svc',
      routes: [
        route('limit.test', { allowed_payload_size: TEST_SIZE }),
        route('required.test', { allowed_payload_size: TEST_SIZE, require_content_length: true }),
        ...Object.keys(FACTOR).map((unit) => route(`limit_${unit}.test`, { allowed_payload_size: TEST_SIZE, size_unit: unit })),
        route('big.test', { allowed_payload_size: 100 }),
      ],
    }],
  };
}

interface Case {
  it: string;
  host: string;
  method?: string;
  size?: number;
  chunked?: boolean;
  expect100?: boolean;
  status: number;
  message?: string;
  /** The upstream got the whole body. */
  forwarded?: boolean;
}

const LIMIT = 'Request size limit exceeded';
const CASES: Case[] = [
  { it: 'works if size is lower than limit', host: 'limit.test', size: TEST_SIZE * MB, status: 200, forwarded: true },
  { it: 'works if size is lower than limit and Expect header', host: 'limit.test', size: TEST_SIZE * MB, expect100: true, status: 200 },
  { it: 'blocks if size is greater than limit', host: 'limit.test', size: TEST_SIZE * MB + 1, status: 413, message: LIMIT },
  { it: 'blocks if size is greater than limit and Expect header', host: 'limit.test', size: TEST_SIZE * MB + 1, expect100: true, status: 417, message: LIMIT },
  ...Object.entries(FACTOR).flatMap(([unit, f]): Case[] => [
    { it: `blocks if size is greater than limit when unit in ${unit}`, host: `limit_${unit}.test`, size: TEST_SIZE * f + 1, status: 413, message: LIMIT },
    { it: `works if size is less than limit when unit in ${unit}`, host: `limit_${unit}.test`, size: TEST_SIZE * f - 1, status: 200 },
  ]),
  // Kong's chunked cases: no Content-Length, so the plugin reads the body.
  { it: 'works if size is lower than limit (chunked, body > client_body_buffer_size)', host: 'limit.test', method: 'GET', size: TEST_SIZE * MB, chunked: true, status: 200, forwarded: true },
  { it: 'blocks if size is greater than limit (chunked)', host: 'limit.test', method: 'GET', size: TEST_SIZE * MB + 1, chunked: true, status: 413, message: LIMIT },
  { it: 'blocks if size is greater than limit and Expect header (chunked)', host: 'limit.test', method: 'GET', size: TEST_SIZE * MB + 1, chunked: true, expect100: true, status: 417, message: LIMIT },
  { it: 'works if size is lower than limit (body < buffer size)', host: 'limit_kilobytes.test', method: 'GET', size: TEST_SIZE * 1024, chunked: true, status: 200, forwarded: true },
  { it: 'blocks if size is greater than limit (body < buffer size)', host: 'limit_kilobytes.test', method: 'GET', size: TEST_SIZE * 1024 + 1, chunked: true, status: 413, message: LIMIT },
  { it: 'blocks if header is not provided', host: 'required.test', method: 'GET', status: 411, message: 'A valid Content-Length header is required' },
  { it: '(hybridctl) require_content_length lets a chunked body within the limit through', host: 'required.test', size: 1000, chunked: true, status: 200, forwarded: true },
  { it: '(hybridctl) require_content_length still limits a chunked body', host: 'required.test', size: TEST_SIZE * MB + 1, chunked: true, status: 413, message: LIMIT },
  { it: '(hybridctl) a body exactly at the limit passes (chunked, bytes)', host: 'limit_bytes.test', size: TEST_SIZE, chunked: true, status: 200, forwarded: true },
];

describe('request-size-limiting (spec/03-plugins/12-request-size-limiting/01-access_spec.lua)', () => {
  const h = useCluster(fixture);
  for (const c of CASES) {
    it(c.it, async () => {
      const body = c.size !== undefined ? Buffer.alloc(c.size, 'A') : undefined;
      const headers: Record<string, string> = {};
      if (body) headers[c.chunked ? 'transfer-encoding' : 'content-length'] = c.chunked ? 'chunked' : String(body.length);
      if (c.expect100) headers.expect = '100-continue';
      const r = await h().send({ host: c.host, method: c.method ?? 'POST', path: '/request', headers, body });
      expect(r.status, r.body.slice(0, 200)).toBe(c.status);
      if (c.message) {
        expect(r.json().message).toBe(c.message);
        expect(r.json().request_id).toBe(r.headers['x-kong-request-id']);
      }
      if (c.forwarded) expect(r.echo().body.length).toBe(c.size);
    });
  }
  it('(hybridctl) a chunked body past the runtime\'s in-memory buffer is refused, not streamed unchecked', async () => {
    const r = await h().send({ host: 'big.test', method: 'POST', path: '/request', headers: { 'transfer-encoding': 'chunked' }, body: Buffer.alloc(MAX_PLUGIN_BODY + 1, 'A') });
    expect(r.status).toBe(413);
  });
});
