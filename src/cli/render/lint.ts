// lint output: errors then warnings, one line each with where it is and how to fix it.
import type { ChalkInstance } from 'chalk';
import { findingText, namesItsKey, type Finding } from '../../conf/index.js';

export function renderLintJson(file: string, findings: Finding[]): string {
  const valid = !findings.some((f) => f.severity === 'error');
  return JSON.stringify({ file, valid, findings: findings.map(({ severity, key, line, rule, message, hint }) => ({ severity, key, line, rule, message, ...(hint ? { hint } : {}) })) }, null, 2);
}

/** Where a value without a line came from, e.g. `KONG_PROXY_SERVER` or `--role`. */
export type OriginOf = (key: string) => string | undefined;

export function renderLintText(file: string, findings: Finding[], c: ChalkInstance, originOf: OriginOf = () => undefined): string {
  const lines: string[] = [];
  for (const severity of ['error', 'warning'] as const) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push(c.bold(`${group.length} ${severity}${group.length > 1 ? 's' : ''}:`));
    for (const f of group) {
      const mark = severity === 'error' ? c.red('✗') : c.yellow('!');
      const text = f.line === null
        ? `${f.key} ${c.dim(`(${originOf(f.key) ?? 'default'})`)}: ${findingText(f)}`
        : namesItsKey(f) ? `${file}:${f.line} ${f.message}` : `${file}:${f.line} ${f.key}: ${findingText(f)}`;
      lines.push(`  ${mark} ${text} ${c.dim(`[${f.rule}]`)}`);
      if (f.hint) lines.push(`      ${c.dim('fix:')} ${f.hint}`);
    }
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  lines.push(errors === 0 ? c.green(`configuration at ${file} is valid`) : c.red(`configuration at ${file} is invalid: ${errors} error${errors > 1 ? 's' : ''}`));
  return lines.join('\n');
}
