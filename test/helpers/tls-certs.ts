// Server certificates for the TLS entities: RSA and ECDSA pairs from hybridctl's own generator.
import { issue } from '../../src/pki/generate.js';

export interface Pair { cert: string; key: string }

export async function serverPair(name: string, type: 'rsa' | 'ec', dnsNames: string[] = [name]): Promise<Pair> {
  const i = await issue({
    profile: 'cp', subject: `CN=${name}`, dnsNames, notBefore: new Date(Date.now() - 86_400_000), days: 30,
    keySpec: type === 'rsa' ? { type: 'rsa', bits: 2048 } : { type: 'ec', curve: 'P-256' },
  });
  return { cert: i.certPem, key: i.keyPem };
}

export async function caPem(name: string): Promise<string> {
  const i = await issue({ profile: 'root', subject: `CN=${name}`, notBefore: new Date(Date.now() - 86_400_000), days: 30, keySpec: { type: 'ec', curve: 'P-256' } });
  return i.certPem;
}
