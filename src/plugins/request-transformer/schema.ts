// request-transformer's config schema (Kong 3.10 kong/plugins/request-transformer/schema.lua),
// with every template checked against what hybridctl can render.
import type { ConfigField, PluginSchema } from '../schema/types.js';
import { arr, record, str } from '../schema/types.js';
import { TemplateError, compileTemplate } from './template.js';

/** Kong's `^([^:]+):*(.-)$`: the name up to the first colon, the value after the colons that follow it. */
export function splitEntry(entry: string): { name: string; value: string } {
  const c = entry.indexOf(':');
  if (c === -1) return { name: entry, value: '' };
  let v = c + 1;
  while (entry[v] === ':') v++;
  return { name: entry.slice(0, c), value: entry.slice(v) };
}

/** kong.tools.http.validate_header_name. */
const VALID_HEADER = /^[a-zA-Z0-9_-]+$/;

function templateError(value: string): string | null {
  try {
    compileTemplate(value);
    return null;
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return `value '${value}' is not in supported format, error:${err.message}`;
  }
}

/** Kong's check_for_value: a value after the colon, and a template that compiles. */
function checkForValue(entry: string): string | null {
  const { name, value } = splitEntry(entry);
  if (value === '') return `key '${name}' has no value`;
  return templateError(value);
}

/** Kong's validate_headers; hybridctl also checks the value's template (Kong fails those per request). */
function headerPair(renameTarget: boolean) {
  return (entry: string): string | null => {
    const { name, value } = splitEntry(entry);
    if (!VALID_HEADER.test(name)) return `'${name}' is not a valid header`;
    if (renameTarget && !VALID_HEADER.test(value)) return `'${value}' is not a valid header`;
    return value === '' ? null : templateError(value);
  };
}

const COLON = /^[^:]+:.*$/;
const list = (elements: ConfigField) => arr(elements, { required: true, default: [] });
const strings = list(str());
const removeHeaders = list(str({ check: (v: string) => {
  const { name } = splitEntry(v);
  return VALID_HEADER.test(name) ? null : `'${name}' is not a valid header`;
} }));
const colonStrings = list(str({ check: checkForValue }));
const colonHeaderValues = list(str({ match: COLON, check: headerPair(false) }));
const colonHeaders = list(str({ match: COLON, check: headerPair(true) }));

const colonRecord = () => record([['body', colonStrings], ['headers', colonHeaderValues], ['querystring', colonStrings]]);

export const schema: PluginSchema = {
  fields: [
    // typedefs.http_method: Lua's `^%u+$`.
    ['http_method', str({ match: /^[A-Z]+$/ })],
    ['remove', record([['body', strings], ['headers', removeHeaders], ['querystring', strings]])],
    ['rename', record([['body', colonStrings], ['headers', colonHeaders], ['querystring', colonStrings]])],
    ['replace', record([['body', colonStrings], ['headers', colonHeaderValues], ['querystring', colonStrings], ['uri', str({ check: templateError })]])],
    ['add', colonRecord()],
    ['append', colonRecord()],
  ],
};
