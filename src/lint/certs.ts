// The cluster certificates a configuration names, read once per lint run and shared by the rules.
import { statSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { resolvePemValue, type KongConf } from '../conf/index.js';
import { certificatesFrom, privateKeyFrom } from '../pki/pem.js';
import type { Cert } from '../pki/cert.js';

export interface Loaded<T> {
  value?: T;
  /** Why it could not be read; undefined when unset. */
  error?: string;
  path?: string;
}

export interface CertFacts {
  cert: Loaded<Cert[]>;
  key: Loaded<KeyObject> & { mode?: number };
  ca: Loaded<Cert[]>;
}

function load<T>(value: string | null, parse: (pem: string) => T): Loaded<T> {
  if (!value) return {};
  const r = resolvePemValue(value);
  if ('error' in r) return { error: r.error };
  try {
    return { value: parse(r.pem), path: r.path };
  } catch (err) {
    return { error: (err as Error).message.replace(/^cannot read [^:]+: /, ''), path: r.path };
  }
}

export function certFacts(conf: KongConf): CertFacts {
  const key = load(conf.cluster_cert_key, (pem) => privateKeyFrom({ what: 'cluster_cert_key', text: pem })) as CertFacts['key'];
  if (key.path) {
    try {
      key.mode = statSync(key.path).mode & 0o777;
    } catch {
      /* unreadable: reported by the loading rule */
    }
  }
  return {
    cert: load(conf.cluster_cert, (pem) => certificatesFrom({ what: 'cluster_cert', text: pem })),
    key,
    ca: load(conf.cluster_ca_cert, (pem) => certificatesFrom({ what: 'cluster_ca_cert', text: pem })),
  };
}
