// A progress line for waits over a second: a spinner on a terminal, one line in logs and CI.
import type { Io } from './io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * The spinner is drawn on stderr and erased; the one result line goes to `write` (the stream the
 * command's narrative uses). Without a terminal only that result line is printed, once.
 */
export function progress(io: Io, label: string, write: (line: string) => void = io.err): { tick(): void; done(result: string): void } {
  const tty = Boolean(process.stderr.isTTY) && io.color.level > 0;
  let n = 0;
  return {
    tick() {
      if (tty) process.stderr.write(`\r   ${FRAMES[n++ % FRAMES.length]} ${label}`);
    },
    done(result) {
      if (tty) process.stderr.write(`\r\x1b[2K`);
      write(`   ${label}: ${result}`);
    },
  };
}

/** Runs `work`; when it takes over a second (RSA 4096 keys, say), a spinner shows on a terminal. */
export async function whileSlow<T>(io: Io, label: string, work: () => Promise<T>): Promise<T> {
  if (!process.stderr.isTTY || io.color.level === 0) return work();
  let n = 0;
  let shown = false;
  const timer = setInterval(() => {
    if (Date.now() - start < 1000) return;
    shown = true;
    process.stderr.write(`\r${FRAMES[n++ % FRAMES.length]} ${label}`);
  }, 100);
  const start = Date.now();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    if (shown) process.stderr.write('\r\x1b[2K');
  }
}
