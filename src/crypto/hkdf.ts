import { hkdfSync, timingSafeEqual } from 'node:crypto';

/** Prefix of every onepw HKDF info string (docs/protocol.md §0). */
export const NAMESPACE = 'identity.mozilla.com/picl/v1/';

/** RFC 5869 HKDF-SHA256; a missing salt means the empty salt (same as 32 zero bytes). */
export function hkdf(ikm: Buffer, info: string | Buffer, length: number, salt: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** KW(name): the bytes of NAMESPACE + name. */
export function kw(name: string): Buffer {
  return Buffer.from(NAMESPACE + name, 'utf8');
}

export function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) {
    throw new RangeError(`xor needs equal lengths, got ${a.length} and ${b.length}`);
  }
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Constant-time equality for secrets; a length mismatch is simply "not equal". */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
