// Imports point one way: the core never knows the CLI, and each area imports only what the table allows.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '../../src');
const CLI_LIBS = /^(commander|chalk|@inquirer\/prompts)$/;

// Which areas of src/ each area may import (errors, log, util and version are open to all).
const MAY_IMPORT: Record<string, string[] | '*'> = {
  pki: [],
  conf: [],
  entities: [],
  store: ['entities'],
  lint: ['conf', 'pki', 'plugins'],
  'cluster/protocol': ['entities'],
  cluster: ['cluster/protocol', 'pki', 'entities'],
  proxy: ['entities', 'plugins'],
  plugins: ['entities', 'proxy'],
  status: [],
  cache: ['entities'],
  doctor: '*',
  admin: ['entities', 'store'],
  daemon: '*',
  client: ['entities'],
  cli: '*',
};
const OPEN = new Set(['errors.ts', 'log.ts', 'version.ts', 'util']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function areaOf(path: string): string {
  const rel = relative(SRC, path).split('/');
  if (rel[0] === 'cluster' && rel[1] === 'protocol') return 'cluster/protocol';
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, '');
}

const imports = (text: string) => [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('architecture', () => {
  const all = files(SRC);

  it('only src/cli imports commander, chalk or @inquirer/prompts, or exits the process', () => {
    const offenders = all
      .filter((f) => !relative(SRC, f).startsWith('cli/'))
      .filter((f) => {
        const text = readFileSync(f, 'utf8');
        return imports(text).some((i) => CLI_LIBS.test(i)) || /process\.exit\(/.test(text);
      })
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });

  it('each area imports only the areas it may', () => {
    const violations: string[] = [];
    for (const f of all) {
      const from = areaOf(f);
      const allowed = MAY_IMPORT[from];
      if (allowed === '*' || OPEN.has(from) || OPEN.has(`${from}.ts`)) continue;
      for (const spec of imports(readFileSync(f, 'utf8')).filter((s) => s.startsWith('.'))) {
        const target = resolve(dirname(f), spec);
        if (!target.startsWith(SRC)) continue;
        const to = areaOf(target.replace(/\.js$/, '.ts'));
        if (to === from || OPEN.has(to) || OPEN.has(`${to}.ts`)) continue;
        if (from === 'cluster' && to === 'cluster/protocol') continue;
        if (!(allowed ?? []).includes(to)) violations.push(`${relative(SRC, f)} → ${relative(SRC, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps files under 400 lines', () => {
    const long = all.map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});
