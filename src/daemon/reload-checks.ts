// What a reload checks before it changes anything, and the certificates of TLS listener entries.
import { createSecureContext } from 'node:tls';
import { ConfigError, errorMessage } from '../errors.js';
import type { ListenEntry, TlsPair } from './settings-types.js';

export const samePems = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((p, i) => p === (b ?? [])[i]);

export const sameTls = (a: TlsPair | undefined, b: TlsPair | undefined): boolean => a?.certPem === b?.certPem && a?.keyPem === b?.keyPem;

/** The certificate and key make a usable TLS context (the key belongs to the certificate). */
export function assertUsablePair(certPem: string, keyPem: string, what: string): void {
  try {
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (err) {
    const mismatch = /key values mismatch/i.test(errorMessage(err));
    throw new ConfigError(mismatch ? `${what}: the key does not belong to the certificate (${what}_key holds another key)` : `${what} cannot be used: ${errorMessage(err)}`, [], {
      hint: `give ${what} and ${what}_key from the same pair`,
    });
  }
}

/** The pair the ssl entries are served with: the configured one, else the generated default. */
export async function listenerTls(list: ListenEntry[], configured: TlsPair | undefined, generate: () => Promise<TlsPair>): Promise<TlsPair | undefined> {
  if (!list.some((l) => l.ssl)) return undefined;
  return configured ?? generate();
}
