// A progress line for waits over a second: a spinner on a terminal, one line in logs and CI.
import type { Io } from './io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function progress(io: Io, label: string): { tick(): void; done(result: string): void } {
  const tty = Boolean(process.stderr.isTTY) && io.color.level > 0;
  let n = 0;
  if (!tty) io.err(`   ${label} …`);
  return {
    tick() {
      if (tty) process.stderr.write(`\r   ${FRAMES[n++ % FRAMES.length]} ${label}`);
    },
    done(result) {
      if (tty) process.stderr.write(`\r\x1b[2K`);
      io.err(`   ${label}: ${result}`);
    },
  };
}
