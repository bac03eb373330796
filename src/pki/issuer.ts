// Loads an existing CA (certificate bundle + key) to issue more certificates from.
import { InputError, UsageError } from '../errors.js';
import { certificatesFrom, privateKeyFrom, type Source } from './pem.js';
import { importSigningKey } from './keys.js';
import type { Issuer } from './generate.js';

export async function loadIssuer(certSrc: Source, keySrc: Source): Promise<Issuer> {
  const [cert, ...rest] = certificatesFrom(certSrc);
  const key = privateKeyFrom(keySrc);
  if (!cert!.node.checkPrivateKey(key)) {
    throw new InputError(`${keySrc.what} does not belong to the certificate in ${certSrc.what}`, { hint: 'pass the key that was generated with the issuer certificate' });
  }
  if (cert!.isCA !== true) {
    throw new UsageError(`${certSrc.what} is not a CA certificate (basicConstraints CA:TRUE missing); it cannot issue certificates`, {
      hint: 'pass the root or an intermediate CA, e.g. ca.crt or intermediate-1.crt from gen-cert --mode pki',
    });
  }
  return { cert: cert!, key: await importSigningKey(key, keySrc.what), chain: rest };
}
