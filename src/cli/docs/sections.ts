// Man page sections read from the code they describe, so they cannot fall behind it: the
// verify-chain problem codes and the lint rules.
import { PROBLEM_MEANINGS, WARNING_MEANINGS } from '../../pki/verify/index.js';
import { RULES } from '../../lint/index.js';

export interface Section {
  title: string;
  items: [string, string][];
}

const LOADER_RULES: [string, string][] = [
  ['syntax', 'error: a line Kong cannot read (kong)'],
  ['enum-value, number-value, boolean-value', 'error (boolean: warning): a value of the wrong type or outside its choices (kong)'],
  ['listener-syntax', 'error: a *_listen value Kong cannot parse (kong)'],
  ['unknown-key, proxy-server-tls-verify-typo', 'warning: a property Kong does not know, with a suggestion'],
];

export function sectionsFor(path: string[]): Section[] {
  const name = path.join(' ');
  if (name === 'verify-chain') {
    return [
      { title: 'PROBLEM CODES', items: Object.entries(PROBLEM_MEANINGS) },
      { title: 'WARNING CODES', items: Object.entries(WARNING_MEANINGS) },
    ];
  }
  if (name === 'lint') {
    const rules = RULES.map((r): [string, string] => [r.id, `${r.severity}: ${r.keys.join(', ')} (${r.source === 'kong' ? 'Kong refuses it' : "hybridctl's own check"})`]);
    return [{ title: 'RULES', items: [...LOADER_RULES, ...rules] }];
  }
  return [];
}
