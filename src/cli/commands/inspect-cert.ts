// hybridctl inspect-cert FILE: every certificate in a bundle, in words or JSON.
import { inspect } from '../../pki/inspect.js';
import { certificatesFrom, readSource } from '../../pki/pem.js';
import { expiryInWords } from '../../util/duration.js';
import type { Io } from '../io.js';
import { outputFormat } from '../options.js';

export async function inspectCertAction(file: string, flags: { output?: string }, io: Io): Promise<number> {
  const format = outputFormat(flags.output);
  const facts = inspect(certificatesFrom(readSource(file, 'certificate file')));
  if (format === 'json') {
    io.out(JSON.stringify({ file, certificates: facts }, null, 2));
    return 0;
  }
  const c = io.color;
  const now = io.now();
  const blocks = facts.map((f) => {
    const rows: [string, string][] = [
      ['subject', f.subject],
      ['issuer', f.selfSigned ? `${f.issuer} (self-signed)` : f.issuer],
      ['serial', f.serial],
      ['names', [...f.dnsNames.map((n) => `DNS:${n}`), ...f.ipAddresses.map((n) => `IP:${n}`)].join(', ') || '(no subjectAltName)'],
      ['CA', f.isCA ? `yes${f.pathLen === null ? '' : `, pathlen ${f.pathLen}`}` : 'no'],
      ['key usage', f.keyUsage.join(', ') || '(none)'],
      ['extended key usage', f.extendedKeyUsage.join(', ') || '(none: any purpose)'],
      ['key', f.keyType],
      ['signature', f.signatureHash ?? 'unknown'],
      ['valid', `${f.notBefore} → ${f.notAfter} (${expiryInWords(new Date(f.notAfter), now)})`],
      ['sha256', f.fingerprints.sha256],
      ['sha1', f.fingerprints.sha1],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    return [c.bold(`certificate ${f.index}`), ...rows.map(([k, v]) => `  ${c.dim(k.padEnd(width))}  ${v}`)].join('\n');
  });
  io.out(blocks.join('\n\n'));
  return 0;
}
