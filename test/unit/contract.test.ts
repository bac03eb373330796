// The codes hybridctl emits are the ones the contract names (fastify's docs test, for our codes).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROBLEM_CODES } from '../../src/pki/verify/index.js';

const CONTRACT = resolve(__dirname, '../../../shared/spec/cli-contract.md');

describe.skipIf(!existsSync(CONTRACT))('cli-contract.md', () => {
  const text = existsSync(CONTRACT) ? readFileSync(CONTRACT, 'utf8') : '';

  it('lists exactly the verify-chain problem codes hybridctl reports', () => {
    const section = text.slice(text.indexOf('## `hybridctl verify-chain`'), text.indexOf('## `hybridctl lint`'));
    const documented = [...section.matchAll(/^\| `([a-z-]+)`(?: \/ `([a-z-]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]]).filter(Boolean);
    expect([...documented].sort()).toEqual([...PROBLEM_CODES].sort());
  });
});
