import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { hkdf, type RandomBytes } from '../crypto/index.js';

/** Account recovery keys (docs/protocol.md §8): all crypto is on the client, the server stores an opaque JWE. */

export const RECOVERY_KEY_LENGTH = 20;
const RECOVERY_KEY_ID_LENGTH = 16;
const ENC_KEY_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const JWE_HEADER_FIELDS = { enc: 'A256GCM', alg: 'dir' } as const;

/** What recoveryData holds. */
export interface RecoveryKeyData {
  kA?: string;
  kB: string;
}

/** 20 random bytes whose first Crockford character is always 'A' (the key format version). */
export function randomRecoveryKey(random: RandomBytes = randomBytes): Buffer {
  const recoveryKey = Buffer.from(random(RECOVERY_KEY_LENGTH));
  recoveryKey[0] = 0x50 | (recoveryKey[0]! & 0x07);
  return recoveryKey;
}

/** hex(HKDF(recoveryKey, salt = uid, "fxa recovery fingerprint", 16)); the info has no onepw prefix. */
export function recoveryKeyId(recoveryKey: Buffer, uid: Buffer): string {
  return hkdf(recoveryKey, 'fxa recovery fingerprint', RECOVERY_KEY_ID_LENGTH, uid).toString('hex');
}

export function recoveryEncKey(recoveryKey: Buffer, uid: Buffer): Buffer {
  return hkdf(recoveryKey, 'fxa recovery encrypt key', ENC_KEY_LENGTH, uid);
}

/** Compact JWE, `alg: dir`, `enc: A256GCM`, AAD = the base64url protected header. */
export function encryptRecoveryData(encKey: Buffer, kid: string, plaintext: Buffer, iv: Buffer = randomBytes(IV_LENGTH)): string {
  const protectedHeader = base64url(Buffer.from(JSON.stringify({ ...JWE_HEADER_FIELDS, kid }), 'utf8'));
  const cipher = createCipheriv('aes-256-gcm', encKey, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [protectedHeader, '', base64url(iv), base64url(ciphertext), base64url(cipher.getAuthTag())].join('.');
}

/** Throws when the JWE is malformed, uses other algorithms, or fails authentication. */
export function decryptRecoveryData(encKey: Buffer, recoveryData: string): Buffer {
  const parts = recoveryData.split('.');
  if (parts.length !== 5 || parts[1] !== '') throw new Error('recoveryData is not a compact JWE with a direct key');
  const [protectedHeader, , iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const header = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (header.alg !== JWE_HEADER_FIELDS.alg || header.enc !== JWE_HEADER_FIELDS.enc) {
    throw new Error(`unsupported JWE algorithms ${String(header.alg)}/${String(header.enc)}`);
  }
  const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'), { authTagLength: TAG_LENGTH });
  decipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}

/** recoveryKeyId and recoveryData for `POST /recoveryKey`. */
export function createRecoveryData(
  recoveryKey: Buffer,
  uid: Buffer,
  keys: RecoveryKeyData,
  iv?: Buffer,
): { recoveryKeyId: string; recoveryData: string } {
  const kid = recoveryKeyId(recoveryKey, uid);
  const plaintext = Buffer.from(JSON.stringify({ kA: keys.kA, kB: keys.kB }), 'utf8');
  return { recoveryKeyId: kid, recoveryData: encryptRecoveryData(recoveryEncKey(recoveryKey, uid), kid, plaintext, iv) };
}

export function openRecoveryData(recoveryKey: Buffer, uid: Buffer, recoveryData: string): RecoveryKeyData {
  const plaintext = decryptRecoveryData(recoveryEncKey(recoveryKey, uid), recoveryData);
  return JSON.parse(plaintext.toString('utf8')) as RecoveryKeyData;
}

/** The 32-character Crockford base32 form shown to users. */
export function formatRecoveryKey(recoveryKey: Buffer): string {
  let bits = '';
  for (const byte of recoveryKey) bits += byte.toString(2).padStart(8, '0');
  let text = '';
  for (let i = 0; i < bits.length; i += 5) {
    text += CROCKFORD_ALPHABET[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  }
  return text;
}

/** Inverse of formatRecoveryKey; tolerates lower case, spaces and hyphens as users type them. */
export function parseRecoveryKey(text: string): Buffer {
  const symbols = text.toUpperCase().replace(/[\s-]/g, '');
  if (symbols.length !== 32) throw new Error('a recovery key has 32 characters');
  let bits = '';
  for (const symbol of symbols) {
    const value = CROCKFORD_ALPHABET.indexOf(symbol);
    if (value < 0) throw new Error(`invalid recovery key character ${symbol}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = Buffer.alloc(RECOVERY_KEY_LENGTH);
  for (let i = 0; i < RECOVERY_KEY_LENGTH; i++) bytes[i] = parseInt(bits.slice(8 * i, 8 * i + 8), 2);
  return bytes;
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}
