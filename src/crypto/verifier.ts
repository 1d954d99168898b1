import { scrypt } from 'node:crypto';
import { constantTimeEqual, hkdf, kw, xor } from './hkdf.js';

/** Server-side stretching of authPW (docs/protocol.md §2). */
export const SCRYPT_PARAMS = {
  N: 65536,
  r: 8,
  p: 1,
  keyLength: 32,
  // scrypt needs 128·N·r bytes (64 MiB) plus a little; Node's default cap is 32 MiB.
  maxmem: 2 * 128 * 65536 * 8,
} as const;

export const AUTH_SALT_LENGTH = 32;

/** An authSalt of 32×0xff marks an account whose password must be reset (errno 126). */
export const MUST_RESET_AUTH_SALT: Buffer = Buffer.alloc(AUTH_SALT_LENGTH, 0xff);

/** 0: authPW ⊕ authSalt (Mozilla test setups); 1: scrypt (default). */
export type VerifierVersion = 0 | 1;

export interface DerivedVerifier {
  verifyHash: Buffer;
  wrapwrapKey: Buffer;
}

export type ScryptFn = (password: Buffer, salt: Buffer) => Promise<Buffer>;

export function isMustResetAuthSalt(authSalt: Buffer): boolean {
  return authSalt.equals(MUST_RESET_AUTH_SALT);
}

/** scrypt on the libuv thread pool; callers may bound concurrency with their own pool. */
export function scryptAsync(password: Buffer, salt: Buffer): Promise<Buffer> {
  const { N, r, p, keyLength, maxmem } = SCRYPT_PARAMS;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The "stretched" value of §2 for a verifier version; pass a pooled scrypt to bound CPU use. */
export async function stretchAuthPW(
  authPW: Buffer,
  authSalt: Buffer,
  version: VerifierVersion,
  scryptFn: ScryptFn = scryptAsync,
): Promise<Buffer> {
  return version === 0 ? xor(authPW, authSalt) : scryptFn(authPW, authSalt);
}

/**
 * verifyHash and wrapwrapKey from the stretched value. For version 1 the IKM is the
 * lowercase hex string of the scrypt output as ASCII, as Mozilla's server does, so
 * verifiers imported from a Mozilla database still match.
 */
export function deriveFromStretched(stretched: Buffer, version: VerifierVersion): DerivedVerifier {
  const ikm = version === 1 ? Buffer.from(stretched.toString('hex'), 'ascii') : stretched;
  return {
    verifyHash: hkdf(ikm, kw('verifyHash'), 32),
    wrapwrapKey: hkdf(ikm, kw('wrapwrapKey'), 32),
  };
}

/** Wrapping and unwrapping are the same XOR. */
export function wrapWrapKb(wrapKb: Buffer, wrapwrapKey: Buffer): Buffer {
  return xor(wrapKb, wrapwrapKey);
}

export function verifyHashMatches(computed: Buffer, stored: Buffer): boolean {
  return constantTimeEqual(computed, stored);
}
