// Answering a request whose body is still arriving, without the client seeing its writes fail.
import type { IncomingMessage } from 'node:http';

/** How long, and how much, an answer waits for the rest of a body the client is still sending. */
const LINGER_MS = 1000;
const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * Answering before a client has sent all of its body makes Node close the connection under the
 * client's writes, which then fail before it reads the answer (a 413 seen as EPIPE). As nginx's
 * lingering close does, the rest of the body is read and dropped first, within a bound.
 */
export function lingerThen(req: IncomingMessage, write: () => void): void {
  const pending = !req.complete && !req.readableEnded && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
  if (!pending) return write();
  let read = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.off('data', onData);
    write();
  };
  const onData = (c: Buffer) => {
    read += c.length;
    if (read > LINGER_BYTES) finish();
  };
  const timer = setTimeout(finish, LINGER_MS);
  req.on('data', onData);
  req.once('end', finish);
  req.once('close', finish);
  req.resume();
}
