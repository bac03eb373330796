// jwt (Kong 3.10 kong/plugins/jwt/schema.lua): where tokens are looked for and which claims are checked.
import { bool, num, set, str, type PluginSchema } from '../schema/types.js';

const hasExp = (c: Record<string, unknown>) => Array.isArray(c.claims_to_verify) && c.claims_to_verify.includes('exp');
// Kong's conditional check passes when claims_to_verify is null: only a given list must hold exp.
const maxNeedsExp = (c: Record<string, unknown>) =>
  typeof c.maximum_expiration === 'number' && c.maximum_expiration > 0 && Array.isArray(c.claims_to_verify) && !hasExp(c);

export const jwtSchema: PluginSchema = {
  noConsumer: true,
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  fields: [
    ['uri_param_names', set(str(), { default: ['jwt'] })],
    ['cookie_names', set(str(), { default: [] })],
    ['key_claim_name', str({ default: 'iss' })],
    ['secret_is_base64', bool({ required: true, default: false })],
    ['claims_to_verify', set(str({ one_of: ['exp', 'nbf'] }))],
    ['anonymous', str()],
    ['run_on_preflight', bool({ required: true, default: true })],
    ['maximum_expiration', num({ default: 0, between: [0, 31536000] })],
    ['header_names', set(str(), { default: ['authorization'] })],
    ['realm', str({ required: false })],
  ],
  entityChecks: [
    (c) => (maxNeedsExp(c) ? { field: 'claims_to_verify', message: 'expected to contain: exp' } : null),
    (c) => (maxNeedsExp(c) ? { entity: "failed conditional validation given value of field 'config.maximum_expiration'" } : null),
  ],
};
