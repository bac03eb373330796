// Reading a decK-format file for diff and apply: YAML or JSON, decK's `${{ env "DECK_…" }}`
// templating, and the shape checks that let every later step trust the structure. Each problem is
// one InputError naming the file, the entity and the field.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { InputError } from '../errors.js';
import { FORMAT_VERSION } from './file.js';
import { renderEnv } from './target.js';

type Row = Record<string, unknown>;
const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The lists a file may hold at each level, as decK's file/types.go nests them. */
const NESTED: Record<string, string[]> = {
  '': ['services', 'routes', 'upstreams', 'certificates', 'consumers', 'plugins'],
  services: ['routes', 'plugins'],
  routes: ['plugins'],
  upstreams: ['targets'],
  certificates: ['snis'],
  consumers: ['plugins', 'keyauth_credentials', 'basicauth_credentials', 'hmacauth_credentials', 'jwt_secrets', 'acls'],
};
const TOP_KEYS = new Set(['_format_version', '_transform', '_info', '_workspace', ...NESTED['']!]);

/** decK reads only variables prefixed DECK_, so a file cannot leak the rest of the environment. */
function deckEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('DECK_') && e[1] !== undefined));
}

export function loadDeckFile(path: string, env: NodeJS.ProcessEnv): Row {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new InputError(`${path}: not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new InputError(`${path}: expected a mapping with _format_version and entity lists`);
  return checkDeckFile(path, renderEnv(doc, deckEnv(env)) as Row);
}

export function checkDeckFile(path: string, doc: Row): Row {
  if (doc._format_version !== FORMAT_VERSION) {
    throw new InputError(`${path}: _format_version is ${JSON.stringify(doc._format_version ?? null)}`, { hint: `set _format_version: "${FORMAT_VERSION}" (the format decK writes for Kong 3.x)` });
  }
  for (const k of Object.keys(doc)) {
    if (!TOP_KEYS.has(k)) throw new InputError(`${path}: unknown top-level key '${k}'`, { hint: `the entity lists are ${NESTED['']!.join(', ')}` });
  }
  const tags = (doc._info as Row | undefined)?.select_tags;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    throw new InputError(`${path}: _info.select_tags must be a list of strings`);
  }
  checkLists(path, doc, '', '');
  return doc;
}

function checkLists(path: string, parent: Row, level: string, where: string): void {
  for (const key of NESTED[level] ?? []) {
    const list = parent[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new InputError(`${path}: ${where}${key} must be a list, not ${typeof list}`);
    list.forEach((item, i) => {
      const at = `${where}${key}[${i}]`;
      if (!isObject(item)) throw new InputError(`${path}: ${at} must be a mapping of fields`);
      if (key === 'plugins' && typeof item.name !== 'string') throw new InputError(`${path}: ${at}: field 'name' is required (the plugin to run)`);
      if (key === 'snis' && typeof item.name !== 'string') throw new InputError(`${path}: ${at}: field 'name' is required`);
      checkLists(path, item, key, `${at}.`);
    });
  }
}
