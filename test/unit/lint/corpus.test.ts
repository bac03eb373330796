// The kong.conf corpus: every file says in its leading comments which rules must fire and which must
// stay quiet; together the files make every rule fire somewhere and stay quiet somewhere.
import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Chalk } from 'chalk';
import { loadConf, type Finding } from '../../../src/conf/index.js';
import { lintConf, RULES } from '../../../src/lint/index.js';
import { generatePki, generateSharedPair } from '../../../src/pki/generate.js';
import { renderLintJson, renderLintText } from '../../../src/cli/render/lint.js';

const CORPUS = resolve(__dirname, '../../fixtures/conf/corpus');
const FILES = readdirSync(CORPUS).filter((f) => f.endsWith('.conf')).sort();
const DAY = 86_400_000;
// Rules the loader itself reports, besides the RULES objects.
const LOADER_RULES = ['syntax', 'enum-value', 'number-value', 'boolean-value', 'listener-syntax', 'unknown-key', 'proxy-server-tls-verify-typo'];

interface Expect {
  fires: string[];
  quiet: string[];
  warnings: string[];
  valid?: boolean;
  env: Record<string, string>;
  role?: 'control_plane' | 'data_plane';
  lines: Record<string, number | null>;
  secrets: string[];
  /** Mode of the materialised file (default 0600, so no rule depends on the umask). */
  mode: number;
}

function directives(text: string): Expect {
  const e: Expect = { fires: [], quiet: [], warnings: [], env: {}, lines: {}, secrets: [], mode: 0o600 };
  for (const m of text.matchAll(/^# (fires|quiet|warnings|valid|env|role|line|secret|mode):(.*)$/gm)) {
    const v = m[2]!.trim();
    if (m[1] === 'fires' || m[1] === 'quiet' || m[1] === 'warnings') e[m[1]].push(...v.split(/\s+/).filter(Boolean));
    else if (m[1] === 'valid') e.valid = v === 'yes';
    else if (m[1] === 'env') e.env[v.slice(0, v.indexOf('='))] = v.slice(v.indexOf('=') + 1);
    else if (m[1] === 'role') e.role = v === 'cp' ? 'control_plane' : 'data_plane';
    else if (m[1] === 'line') e.lines[v.split('=')[0]!] = v.split('=')[1] === 'null' ? null : Number(v.split('=')[1]);
    else if (m[1] === 'mode') e.mode = parseInt(v, 8);
    else e.secrets.push(v);
  }
  return e;
}

let pki: string;
let work: string;
beforeAll(async () => {
  pki = mkdtempSync(join(tmpdir(), 'lint-corpus-pki-'));
  work = mkdtempSync(join(tmpdir(), 'lint-corpus-'));
  const now = new Date(Date.now() - 60_000);
  for (const { dir, intermediates } of [{ dir: pki, intermediates: 1 }, { dir: join(pki, 'two'), intermediates: 2 }]) {
    mkdirSync(dir, { recursive: true });
    for (const f of await generatePki({ intermediates, cpHostnames: ['cp.example.com'], dpName: 'dp-1', keySpec: { type: 'ec', curve: 'P-256' }, days: 365, caDays: 3650, now })) {
      writeFileSync(join(dir, f.name), f.contents, { mode: f.secret ? 0o600 : 0o644 });
    }
  }
  const pairs = {
    shared: await generateSharedPair({ now }),
    soon: await generateSharedPair({ now, days: 10 }),
    expired: await generateSharedPair({ now: new Date(Date.now() - 400 * DAY), days: 10 }),
  };
  for (const [name, p] of Object.entries(pairs)) {
    writeFileSync(join(pki, `${name}.crt`), p.certPem);
    writeFileSync(join(pki, `${name}.key`), p.keyPem, { mode: name === 'soon' ? 0o644 : 0o600 });
  }
}, 60_000);

function materialise(name: string, mode: number): string {
  const text = readFileSync(join(CORPUS, name), 'utf8')
    .replace(/@B64:([\w.-]+)@/g, (_m, f: string) => readFileSync(join(pki, f)).toString('base64'))
    .replace(/@PEM:([\w.-]+)@/g, (_m, f: string) => readFileSync(join(pki, f), 'utf8').trim().replace(/\n/g, '\\n'))
    .replace(/@PKI2@/g, join(pki, 'two'))
    .replace(/@PKI@/g, pki);
  const file = join(work, name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

const results = new Map<string, Finding[]>();

describe.each(FILES)('%s', (name) => {
  it('reports what its header says, and no secret', () => {
    const e = directives(readFileSync(join(CORPUS, name), 'utf8'));
    const file = materialise(name, e.mode);
    const findings = lintConf(loadConf({ file, env: e.env, role: e.role }));
    results.set(name, findings);
    const fired = new Set(findings.map((f) => f.rule));
    for (const r of e.fires) expect(fired, `${r} should fire`).toContain(r);
    for (const r of e.quiet) expect(fired, `${r} should stay quiet: ${JSON.stringify(findings.filter((f) => f.rule === r))}`).not.toContain(r);
    const errors = findings.filter((f) => f.severity === 'error');
    for (const r of e.warnings) {
      const severities = findings.filter((f) => f.rule === r).map((f) => f.severity);
      expect(severities.length, `${r} fires`).toBeGreaterThan(0);
      expect(new Set(severities), `${r} is a warning`).toEqual(new Set(['warning']));
    }
    if (e.valid === true) expect(errors).toEqual([]);
    if (e.valid === false) expect(errors.length).toBeGreaterThan(0);
    for (const [rule, line] of Object.entries(e.lines)) expect(findings.find((f) => f.rule === rule)?.line, `${rule} line`).toBe(line);
    const shown = renderLintJson(file, findings) + renderLintText(file, findings, new Chalk({ level: 0 }));
    for (const s of e.secrets) expect(shown).not.toContain(s);
    expect(shown).not.toMatch(/PRIVATE KEY/);
  });
});

describe('the corpus as a whole', () => {
  it('makes every rule fire in some file and stay quiet in another', () => {
    const all = FILES.map((n) => directives(readFileSync(join(CORPUS, n), 'utf8')));
    const fires = new Set(all.flatMap((e) => e.fires));
    const quiet = new Set(all.flatMap((e) => e.quiet));
    for (const id of [...RULES.map((r) => r.id), ...LOADER_RULES]) {
      expect(fires, `${id} fires somewhere`).toContain(id);
    }
    for (const id of RULES.map((r) => r.id)) expect(quiet, `${id} is quiet somewhere`).toContain(id);
  });

  it('reports each setting shared mode ignores', () => {
    const ignored = results.get('dp-shared-mistakes.conf')!.filter((f) => f.rule === 'ignored-in-shared-mode');
    expect(ignored.map((f) => f.key)).toEqual(['cluster_server_name', 'cluster_ca_cert']);
    expect(ignored.every((f) => f.severity === 'warning')).toBe(true);
  });

  it('sorts findings by line, then key, with env and default values last', () => {
    for (const findings of results.values()) {
      const order = findings.map((f) => (f.line === null ? Infinity : f.line));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });
});
