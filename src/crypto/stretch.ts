import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { hkdf, kw, NAMESPACE } from './hkdf.js';

const pbkdf2Async = promisify(pbkdf2);

export const QUICK_STRETCH_V1_ITERATIONS = 1000;
export const QUICK_STRETCH_V2_ITERATIONS = 650000;
export const CLIENT_SALT_V1_PREFIX = `${NAMESPACE}quickStretch:`;
export const CLIENT_SALT_V2_PREFIX = `${NAMESPACE}quickStretchV2:`;
const CLIENT_SALT_V2_RANDOM_BYTES = 16;

/** What a client derives from the password: authPW is sent, unwrapBKey never leaves the client. */
export interface StretchedPassword {
  authPW: Buffer;
  unwrapBKey: Buffer;
}

export async function quickStretchV1(email: string, password: string): Promise<StretchedPassword> {
  const salt = Buffer.from(CLIENT_SALT_V1_PREFIX + email, 'utf8');
  return stretch(password, salt, QUICK_STRETCH_V1_ITERATIONS);
}

/** v2 stretching: the whole clientSalt string is the PBKDF2 salt, independent of the email. */
export async function quickStretchV2(password: string, clientSalt: string): Promise<StretchedPassword> {
  return stretch(password, Buffer.from(clientSalt, 'utf8'), QUICK_STRETCH_V2_ITERATIONS);
}

export function makeClientSaltV2(random16: Buffer = randomBytes(CLIENT_SALT_V2_RANDOM_BYTES)): string {
  if (random16.length !== CLIENT_SALT_V2_RANDOM_BYTES) {
    throw new RangeError(`clientSalt needs ${CLIENT_SALT_V2_RANDOM_BYTES} random bytes`);
  }
  return CLIENT_SALT_V2_PREFIX + random16.toString('hex');
}

async function stretch(password: string, salt: Buffer, iterations: number): Promise<StretchedPassword> {
  // Async PBKDF2 runs on the libuv pool, so 650000 iterations do not block the event loop.
  const quickStretched = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  return {
    authPW: hkdf(quickStretched, kw('authPW'), 32),
    unwrapBKey: hkdf(quickStretched, kw('unwrapBkey'), 32),
  };
}
