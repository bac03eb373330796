// doctor's report: one line per step with ✓/✗, the detail, and the fix under the failed step.
import type { ChalkInstance } from 'chalk';
import type { DoctorReport } from '../../doctor/index.js';

export function renderDoctor(r: DoctorReport, c: ChalkInstance): string {
  const lines = [c.bold(`data plane → control plane ${r.controlPlane} (cluster_mtls ${r.mode})`)];
  for (const s of r.steps) {
    const mark = s.skipped ? c.dim('-') : s.ok ? c.green('✓') : c.red('✗');
    const title = s.skipped ? c.dim(s.title) : s.title;
    lines.push(`  ${mark} ${title}${s.skipped ? '' : `: ${s.ok ? s.detail : c.red(s.detail)}`}`);
    if (!s.ok && !s.skipped && s.fix) lines.push(`      ${c.yellow('fix:')} ${s.fix}`);
  }
  const failures = r.steps.filter((s) => !s.ok && !s.skipped);
  const failed = failures.find((s) => s.id !== 'conf') ?? failures[0];
  lines.push(failed ? c.red(`the path is broken at: ${failed.title}`) : c.green('the data plane can sync from this control plane'));
  return lines.join('\n');
}
