// Summary of written files: what each is, for whom, until when.
import type { ChalkInstance } from 'chalk';
import { describeKey } from '../../pki/cert.js';
import { ekuName } from '../../pki/oids.js';
import type { PkiFile } from '../../pki/generate.js';
import { expiryInWords } from '../../util/duration.js';

export interface FileSummary {
  path: string;
  kind: 'certificate' | 'private-key' | 'bundle';
  mode: string;
  subject?: string;
  eku?: string[];
  isCA?: boolean;
  keyType?: string;
  notAfter?: string;
  expires?: string;
  certificates?: number;
}

export function summarize(files: readonly PkiFile[], now: Date): FileSummary[] {
  return files.map((f) => {
    if (f.secret) return { path: f.name, kind: 'private-key', mode: '0600' };
    const count = (f.contents.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
    if (!f.cert) return { path: f.name, kind: 'bundle', mode: '0644', certificates: count };
    return {
      path: f.name,
      kind: 'certificate',
      mode: '0644',
      subject: f.cert.subject,
      eku: (f.cert.eku ?? []).map(ekuName),
      isCA: f.cert.isCA === true,
      keyType: describeKey(f.cert.key),
      notAfter: f.cert.notAfter.toISOString(),
      expires: expiryInWords(f.cert.notAfter, now),
      certificates: count,
    };
  });
}

export function renderFiles(files: readonly FileSummary[], c: ChalkInstance): string {
  const width = Math.max(...files.map((f) => f.path.length));
  return files
    .map((f) => {
      const name = c.bold(f.path.padEnd(width));
      if (f.kind === 'private-key') return `  ${name}  ${c.dim('private key, mode 0600')}`;
      if (f.kind === 'bundle') return `  ${name}  ${c.dim(f.certificates ? `${f.certificates} intermediate certificate(s)` : 'empty (no intermediates)')}`;
      const role = f.isCA ? 'CA' : f.eku && f.eku.length ? `EKU ${f.eku.join(', ')}` : 'no EKU';
      const extra = (f.certificates ?? 1) > 1 ? `, + ${(f.certificates ?? 1) - 1} chain cert(s)` : '';
      return `  ${name}  ${f.subject}  ${c.cyan(role)}  ${f.keyType}  ${c.green(f.expires ?? '')}${c.dim(extra)}`;
    })
    .join('\n');
}
