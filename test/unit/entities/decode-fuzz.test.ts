// Property-based fuzz of the Admin API's body decoders and of validateRow: whatever comes in, the
// only errors are the API's own, Object.prototype is never written, and what is accepted serializes.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBody, decodeForm, decodeJson } from '../../../src/admin/body.js';
import { HttpError } from '../../../src/admin/http-error.js';
import { ENTITY_ORDER, EntityError, SCHEMAS, validateRow, type Row } from '../../../src/entities/index.js';

const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype);
const pristine = () => {
  expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(PROTO_KEYS);
  expect(Object.getPrototypeOf(Object.prototype)).toBeNull();
  for (const k of ['zzz', 'x', 'polluted', 'a', '0']) expect(k in {}).toBe(false);
};
afterEach(pristine);

/** Only the API's own errors may escape. */
const apiError = (err: unknown) => err instanceof HttpError || err instanceof EntityError;
const roundTrips = (v: unknown) => expect(JSON.parse(JSON.stringify(v))).toEqual(v);

const hostile = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'zzz', 'a', '0', '1', '', 'x[]', 'x[1]', '[]');
const formKey = fc.array(fc.oneof(hostile, fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 5 }).chain((parts) =>
  fc.array(fc.constantFrom('', '[]', '[1]', '[2]', '[0]', '[99999]'), { minLength: parts.length, maxLength: parts.length }).map((sfx) => parts.map((p, i) => p + sfx[i]).join('.')),
);
const formBody = fc.array(fc.tuple(formKey, fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('1', 'true', 'false', '99999999999999999999', '%zz'))), { maxLength: 8 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
const anyJson = fc.jsonValue({ maxDepth: 6 });
const jsonWithHostileKeys = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.oneof(hostile, fc.string({ maxLength: 4 })), tie('v'), { maxKeys: 4 })),
})).v;

describe('body decoders (fuzz)', () => {
  it('form bodies: an object or an HttpError, never pollution, always serializable', () => {
    fc.assert(fc.property(formBody, (raw) => {
      try {
        const v = decodeForm(raw);
        expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
        roundTrips(v);
      } catch (err) {
        if (!apiError(err)) throw err;
        expect((err as HttpError).status).toBe(400);
      }
      pristine();
    }), { numRuns: 2000 });
  });

  it('JSON bodies, hostile keys included: a copy or a 400 naming the key', () => {
    fc.assert(fc.property(jsonWithHostileKeys, (doc) => {
      const raw = JSON.stringify(doc);
      try {
        const v = decodeJson(raw);
        roundTrips(v);
        expect(raw).not.toMatch(/"(__proto__|constructor|prototype)":/);
      } catch (err) {
        if (!apiError(err)) throw err;
        expect((err as HttpError).body.message).toMatch(/invalid key '.*(__proto__|constructor|prototype)'/);
      }
      pristine();
    }), { numRuns: 2000 });
  });

  it('any bytes under any content type: decoded, or a 400/415', () => {
    const type = fc.constantFrom(undefined, 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/yaml', 'multipart/form-data; boundary=x', 'APPLICATION/JSON; charset=utf-8');
    fc.assert(fc.property(type, fc.oneof(fc.string(), anyJson.map((j) => JSON.stringify(j)), formBody), fc.boolean(), (t, raw, yaml) => {
      try {
        const b = decodeBody(t, raw, { yaml });
        if (b.json !== undefined) roundTrips(b.json);
      } catch (err) {
        if (!apiError(err)) throw err;
        expect([400, 415]).toContain((err as HttpError).status);
      }
      pristine();
    }), { numRuns: 2000 });
  });
});

describe('validateRow (fuzz)', () => {
  const fieldValue = fc.oneof(anyJson, jsonWithHostileKeys, fc.string(), fc.constantFrom(Infinity, NaN, -0, 1e308, '999.1.1.1', '[1::1::1]', '*.a.test', 'a.test:80', '\ud800', '../x'));
  const input = fc.constantFrom(...ENTITY_ORDER).chain((entity) => {
    const fields = [...Object.keys(SCHEMAS[entity]!.fields), 'url', '__proto__', 'constructor', 'unknown'];
    return fc.tuple(fc.constant(entity), fc.dictionary(fc.constantFrom(...fields), fieldValue, { maxKeys: 6 }));
  });

  it('returns a row or field errors, never throws, never pollutes; accepted rows round-trip through JSON', () => {
    fc.assert(fc.property(input, ([entity, body]) => {
      let v: ReturnType<typeof validateRow>;
      try {
        v = validateRow(entity, body as Row);
      } catch (err) {
        if (!apiError(err)) throw err;
        return;
      }
      if (v.errors === null) roundTrips(v.row);
      else expect(() => JSON.stringify(v.errors)).not.toThrow();
      pristine();
    }), { numRuns: 3000 });
  });
});
