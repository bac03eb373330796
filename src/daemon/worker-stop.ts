// Stopping one proxy worker: asked to close (its requests get `graceMs`), killed if it does not.
import type { Worker } from 'node:cluster';

export function stopWorker(w: Worker, graceMs: number): Promise<void> {
  return new Promise<void>((done) => {
    if (w.process.exitCode !== null || w.process.signalCode !== null) return done();
    const kill = setTimeout(() => w.process.kill('SIGKILL'), graceMs);
    w.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    if (w.isConnected()) {
      try {
        w.send({ t: 'close' });
      } catch {
        w.process.kill('SIGKILL');
      }
    } else w.process.kill('SIGKILL');
  });
}
