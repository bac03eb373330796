// Request ids: a random per-process prefix and a counter, cheap on the hot path. Shared by the
// node:http path and the lean path so ids never repeat within a worker.
import { randomBytes } from 'node:crypto';

const ID_PREFIX = randomBytes(8).toString('hex');
let idCounter = 0;

export const nextRequestId = (): string => `${ID_PREFIX}${(++idCounter).toString(16).padStart(16, '0')}`;
