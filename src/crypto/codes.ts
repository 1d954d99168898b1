import { createHash, randomBytes } from 'node:crypto';
import { hotp } from 'otplib';
import type { HashAlgorithms, KeyEncodings } from 'otplib/core.js';
import { constantTimeEqual } from './hkdf.js';

/** Injectable random source so tests can fix the output. */
export type RandomBytes = (n: number) => Buffer;

/** Crockford-like base32 alphabet (no I, L, O, U). */
export const UNBLOCK_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const UNBLOCK_CODE_LENGTH = 8;

export const EMAIL_OTP_DIGITS = 6;
export const EMAIL_OTP_STEP_SECONDS = 600;
/** Steps accepted on each side of the current one. */
export const EMAIL_OTP_WINDOW = 1;

/** Each character comes from 4 random bytes as floor(u32 / 2^32 · 32) (docs/protocol.md §6.1). */
export function unblockCode(random: RandomBytes = randomBytes): string {
  const bytes = random(4 * UNBLOCK_CODE_LENGTH);
  let code = '';
  for (let i = 0; i < UNBLOCK_CODE_LENGTH; i++) {
    const u32 = bytes.readUInt32BE(4 * i);
    code += UNBLOCK_CODE_ALPHABET[Math.floor((u32 / 2 ** 32) * UNBLOCK_CODE_ALPHABET.length)];
  }
  return code;
}

/** Stored form: SHA256(uid ‖ UTF8(code)); the code is upper-cased as users may type it in any case. */
export function hashUnblockCode(uid: Buffer, code: string): Buffer {
  return createHash('sha256').update(uid).update(code.toUpperCase(), 'utf8').digest();
}

// hotp with our own 600 s counter: otplib's totp pads "short" secrets (judged by encoded length), and the key must be the raw emailCode.
// otplib's ESM entry does not export its enums at runtime, hence the casts of their string values.
const emailOtpHotp = hotp.clone({
  digits: EMAIL_OTP_DIGITS,
  algorithm: 'sha1' as HashAlgorithms.SHA1,
  encoding: 'hex' as KeyEncodings.HEX,
});

/** 6-digit TOTP over the raw emailCode bytes with a 600 s step. */
export function emailOtp(emailCode: Buffer, nowMs: number): string {
  return emailOtpHotp.generate(emailCode.toString('hex'), emailOtpCounter(nowMs));
}

/** Accepts the previous, current and next step; every candidate is compared in constant time. */
export function verifyEmailOtp(emailCode: Buffer, code: string, nowMs: number): boolean {
  const given = Buffer.from(code, 'utf8');
  const counter = emailOtpCounter(nowMs);
  let matched = false;
  for (let offset = -EMAIL_OTP_WINDOW; offset <= EMAIL_OTP_WINDOW; offset++) {
    const expected = Buffer.from(emailOtpHotp.generate(emailCode.toString('hex'), counter + offset), 'utf8');
    matched = constantTimeEqual(given, expected) || matched;
  }
  return matched;
}

function emailOtpCounter(nowMs: number): number {
  return Math.floor(nowMs / 1000 / EMAIL_OTP_STEP_SECONDS);
}
