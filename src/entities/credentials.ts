// The credentials Kong's authentication plugins keep as entities of their own (each plugin's
// daos.lua), always owned by a consumer and removed with it.
import type { EntitySchema, Field } from './schemas.js';

const id: Field = { type: 'string', auto: 'uuid' };
const created_at: Field = { type: 'integer', auto: 'timestamp' };
const tags: Field = { type: 'set', elements: 'string' };
const consumer: Field = { type: 'foreign', reference: 'consumers', required: true };

export const CREDENTIAL_ENTITIES = ['keyauth_credentials', 'basicauth_credentials', 'hmacauth_credentials', 'jwt_secrets', 'acls'] as const;

export const CREDENTIAL_SCHEMAS: Record<(typeof CREDENTIAL_ENTITIES)[number], EntitySchema> = {
  keyauth_credentials: {
    name: 'keyauth_credentials',
    endpointKey: 'key',
    parents: ['consumers'],
    fields: { id, created_at, consumer, key: { type: 'string', unique: true, auto: 'random', required: true, secret: true }, tags },
  },
  basicauth_credentials: {
    name: 'basicauth_credentials',
    endpointKey: 'username',
    parents: ['consumers'],
    fields: { id, created_at, consumer, username: { type: 'string', required: true, unique: true }, password: { type: 'string', required: true, secret: true }, tags },
  },
  hmacauth_credentials: {
    name: 'hmacauth_credentials',
    endpointKey: 'username',
    parents: ['consumers'],
    fields: { id, created_at, consumer, username: { type: 'string', required: true, unique: true }, secret: { type: 'string', auto: 'random', required: true, secret: true }, tags },
  },
  jwt_secrets: {
    name: 'jwt_secrets',
    endpointKey: 'key',
    parents: ['consumers'],
    fields: {
      id, created_at, consumer,
      key: { type: 'string', unique: true, auto: 'random', required: true },
      secret: { type: 'string', auto: 'random', required: true, secret: true },
      rsa_public_key: { type: 'string' },
      algorithm: { type: 'string', default: 'HS256', oneOf: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] },
      tags,
    },
  },
  acls: {
    name: 'acls',
    parents: ['consumers'],
    fields: { id, created_at, consumer, group: { type: 'string', required: true }, tags },
  },
};

/** Admin API paths of the credentials: /consumers/{c}/<nested> and /<top>. */
export const CREDENTIAL_PATHS: Record<string, { nested: string; top: string }> = {
  keyauth_credentials: { nested: 'key-auth', top: 'key-auths' },
  basicauth_credentials: { nested: 'basic-auth', top: 'basic-auths' },
  hmacauth_credentials: { nested: 'hmac-auth', top: 'hmac-auths' },
  jwt_secrets: { nested: 'jwt', top: 'jwts' },
  acls: { nested: 'acls', top: 'acls' },
};
