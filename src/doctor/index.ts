// doctor: walk the data plane → control plane path one step at a time and stop at the first break,
// so the report names the step that fails rather than a symptom further along.
import { UsageError, errorMessage } from '../errors.js';
import type WebSocket from 'ws';
import * as step from './steps.js';
import { parseClusterAddress } from '../conf/index.js';
import type { DoctorInput, DoctorReport, StepResult } from './types.js';

export type { DoctorInput, DoctorReport, StepResult } from './types.js';

/** A step decided before the network walk (e.g. the conf lint), prepended to the report. */
export type Prelude = StepResult[];

export async function runDoctor(input: DoctorInput, prelude: Prelude = []): Promise<DoctorReport> {
  const parsed = parseClusterAddress(input.cpAddress);
  if (!parsed.ok) throw new UsageError(parsed.message, { hint: parsed.hint });
  const { host, port } = parsed.address;
  const ctx: step.Ctx = { input, host, port };
  const got: { ws?: WebSocket } = {};
  const plan: [string, string, () => Promise<Omit<StepResult, 'id' | 'title'>>][] = [
    ['certificate', 'own cluster certificate', () => step.ownCertificate(ctx)],
    ['dns', input.proxy ? 'DNS (forward proxy)' : 'DNS', () => step.dns(ctx)],
    ['tcp', input.proxy ? 'CONNECT through the forward proxy' : 'TCP connection', () => step.tcp(ctx)],
    ['tls', 'TLS handshake', () => step.tlsHandshake(ctx)],
    ['cp-certificate', 'control plane certificate', () => step.cpCertificate(ctx)],
    ['websocket', 'WebSocket upgrade on /v1/outlet', () => step.upgrade(ctx, got)],
    ['reconfigure', 'first configuration', () => step.firstConfig(ctx, got)],
  ];
  const steps: StepResult[] = [...prelude];
  // A lint error does not stop the walk: the network steps show whether it matters for the connection.
  let broken = false;
  try {
    for (const [id, title, run] of plan) {
      if (broken) {
        steps.push({ id, title, ok: false, skipped: true, detail: 'not run: an earlier step failed' });
        continue;
      }
      let r: Omit<StepResult, 'id' | 'title'>;
      try {
        r = await run();
      } catch (err) {
        r = { ok: false, detail: errorMessage(err), fix: 'see the message' };
      }
      steps.push({ id, title, ...r });
      broken = !r.ok;
    }
  } finally {
    got.ws?.terminate();
    ctx.tls?.destroy();
    ctx.socket?.destroy();
  }
  return { ok: steps.every((s) => s.ok), controlPlane: input.cpAddress, mode: input.mode, steps };
}
