// verify-chain output: the path leaf → root with a mark each, then problems with fixes.
import type { ChalkInstance } from 'chalk';
import type { VerifyReport } from '../../pki/verify/index.js';
import { ekuName } from '../../pki/oids.js';
import { expiryInWords } from '../../util/duration.js';

export function renderVerifyJson(r: VerifyReport): string {
  const { valid, mode, role, path, problems, warnings } = r;
  return JSON.stringify({ valid, mode, role, path, problems: problems.map(({ code, certificate, message, hint }) => ({ code, certificate, message, hint })), warnings }, null, 2);
}

const ROLE = { cp: 'control plane', dp: 'data plane' } as const;

export function renderVerifyText(r: VerifyReport, c: ChalkInstance, at: Date): string {
  const lines: string[] = [];
  const bad = new Set(r.problems.map((p) => p.certificate));
  lines.push(c.bold(`path (leaf → ${r.anchored ? 'trust anchor' : 'as far as it could be built'}):`));
  r.certs.forEach((cert, i) => {
    const mark = bad.has(i) ? c.red('✗') : c.green('✓');
    const last = i === r.certs.length - 1;
    const tags = [
      cert.isCA ? 'CA' : cert.eku ? `EKU ${cert.eku.map(ekuName).join(', ')}` : 'no EKU',
      expiryInWords(cert.notAfter, at),
      ...(last && r.anchored ? [r.mode === 'shared' ? 'pinned' : 'trust anchor'] : []),
    ];
    lines.push(`  ${mark} [${i}] ${cert.subject}  ${c.dim(tags.join(' · '))}`);
  });
  if (r.problems.length) {
    lines.push(c.bold('problems:'));
    for (const p of r.problems) {
      lines.push(`  ${c.red('✗')} ${c.red(p.code)}${p.certificate === null ? '' : ` [${p.certificate}]`}: ${p.message}`);
      if (p.hint) lines.push(`      ${c.dim('fix:')} ${p.hint}`);
    }
  }
  if (r.warnings.length) {
    lines.push(c.bold('warnings:'));
    for (const w of r.warnings) lines.push(`  ${c.yellow('!')} ${c.yellow(w.code)}${w.certificate === null ? '' : ` [${w.certificate}]`}: ${w.message}`);
  }
  lines.push(
    r.valid
      ? c.green(`✓ chain is valid for a ${ROLE[r.role]} (${r.mode} mode)`)
      : c.red(`✗ chain is invalid for a ${ROLE[r.role]} (${r.mode} mode): ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`),
  );
  return lines.join('\n');
}
