// A lint rule: a small named object. `check` returns what it found; the runner adds severity,
// key and line from the rule and the loaded configuration.
import type { Finding, KongConf, LoadedConf } from '../conf/index.js';
import type { CertFacts } from './certs.js';

export interface RuleContext {
  loaded: LoadedConf;
  conf: KongConf;
  now: Date;
  /** Whether the key was set anywhere (file, env or flag), not only defaulted. */
  isSet(key: string): boolean;
  certs: CertFacts;
}

export interface Hit {
  key?: string;
  message: string;
  hint?: string;
  severity?: 'error' | 'warning';
}

export interface Rule {
  id: string;
  severity: 'error' | 'warning';
  /** The property the finding points at (its line is reported). */
  keys: readonly string[];
  /** Kong itself enforces it (`kong start` refuses the file), or it is hybridctl's own check. */
  source: 'kong' | 'hybridctl';
  check(ctx: RuleContext): Hit[];
}

export type { Finding };
