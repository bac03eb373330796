// http-log's schema, ported from Kong's spec/03-plugins/03-http-log/02-schema_spec.lua (each case
// names its it()).
import { describe, expect, it } from 'vitest';
import { httpLog } from '../../../src/plugins/http-log/index.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { LUA_CODE_REFUSED } from '../../../src/plugins/log-shared/fields.js';

const validate = (config: Record<string, unknown>) => validateConfig(httpLog.schema, config);

describe('http-log (spec/03-plugins/03-http-log/02-schema_spec.lua)', () => {
  it('accepts minimal config with defaults', () => {
    const r = validate({ http_endpoint: 'http://myservice.test/path' });
    expect(r.errors).toBeNull();
    expect(r.config).toEqual({
      http_endpoint: 'http://myservice.test/path', method: 'POST', content_type: 'application/json', timeout: 10000, keepalive: 60000,
      retry_count: null, queue_size: null, flush_timeout: null, headers: null,
      queue: { max_batch_size: 1, max_coalescing_delay: 1, max_entries: 10000, max_bytes: null, max_retry_time: 60, initial_retry_delay: 0.01, max_retry_delay: 60, concurrency_limit: 1 },
      custom_fields_by_lua: null,
    });
  });
  it('accepts empty headers with username/password in the http_endpoint', () => {
    expect(validate({ http_endpoint: 'http://bob:password@myservice.test/path' }).errors).toBeNull();
  });
  it('accepts custom fields by lua (hybridctl: refused, no Lua runs here)', () => {
    expect(validate({ http_endpoint: 'http://myservice.test/path', custom_fields_by_lua: { foo: "return 'bar'" } }).errors).toEqual({ custom_fields_by_lua: LUA_CODE_REFUSED });
  });
  it('does accept allowed headers', () => {
    expect(validate({ http_endpoint: 'http://myservice.test/path', headers: { 'X-My-Header': '123', 'X-Your-Header': 'abc' } }).errors).toBeNull();
  });
  it('does not accept empty header values', () => {
    expect(validate({ http_endpoint: 'http://myservice.test/path', headers: { 'X-My-Header': '' } }).errors).toEqual({ headers: 'length must be at least 1' });
  });
  it('does not accept Host header', () => {
    expect(validate({ http_endpoint: 'http://myservice.test/path', headers: { 'X-My-Header': '123', Host: 'MyHost' } }).errors).toEqual({ headers: "cannot contain 'Host' header" });
  });
  it('does not accept Content-Length header', () => {
    expect(validate({ http_endpoint: 'http://myservice.test/path', headers: { 'coNTEnt-Length': '123' } }).errors).toEqual({ headers: "cannot contain 'Content-Length' header" });
  });
  it('does not accept Content-Type header', () => {
    expect(validate({ http_endpoint: 'http://myservice.test/path', headers: { 'coNTEnt-Type': 'bad' } }).errors).toEqual({ headers: "cannot contain 'Content-Type' header" });
  });
  it("does not accept userinfo in URL and 'Authorization' header", () => {
    expect(validate({ http_endpoint: 'http://hi:there@myservice.test/path', headers: { AuthoRIZATion: 'bad' } }).errors).toEqual({
      '@entity': "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed",
    });
  });
  it('converts legacy queue parameters', () => {
    const r = validate({ http_endpoint: 'http://hi:there@myservice.test/path', retry_count: 23, queue_size: 46, flush_timeout: 92 });
    expect(r.errors).toBeNull();
    const c = httpLog.compile!(r.config, { id: 'p1', route: null, service: null, consumer: null });
    expect(c.effective.max_batch_size).toBe(46);
    expect(c.effective.max_coalescing_delay).toBe(92);
    expect(c.warnings.join('\n')).toMatch(/the retry_count parameter no longer works/);
    expect(c.warnings.join('\n')).toMatch(/the queue_size parameter is deprecated/);
    expect(c.warnings.join('\n')).toMatch(/the flush_timeout parameter is deprecated/);
  });
  it('(hybridctl) typedefs.url, queue bounds and Kong\'s one_of messages', () => {
    expect(validate({ http_endpoint: 'myservice.test/path' }).errors).toEqual({ http_endpoint: 'missing host in url' });
    expect(validate({ http_endpoint: '//myservice.test/path' }).errors).toEqual({ http_endpoint: 'missing scheme in url' });
    expect(validate({ http_endpoint: 'http://x.test', method: 'GET' }).errors).toEqual({ method: 'expected one of: POST, PUT, PATCH' });
    expect(validate({ http_endpoint: 'http://x.test', queue: { max_batch_size: 0, concurrency_limit: 2 } }).errors).toEqual({
      queue: { max_batch_size: 'value should be between 1 and 1000000', concurrency_limit: 'expected one of: -1, 1' },
    });
  });
  it('(hybridctl) what cannot be sent is refused: other schemes, vault references', () => {
    expect(validate({ http_endpoint: 'ftp://x.test/' }).errors).toEqual({ http_endpoint: "unsupported scheme 'ftp': http-log sends to http or https endpoints" });
    expect(validate({ http_endpoint: '{vault://env/log-url}' }).errors).toEqual({ http_endpoint: 'vault references are not supported' });
    expect(validate({ http_endpoint: 'http://x.test', headers: { key2: '{vault://env/key}' } }).errors).toEqual({ headers: 'vault references are not supported' });
  });
});
