import { createHmac } from 'node:crypto';
import { constantTimeEqual, hkdf, kw, xor } from './hkdf.js';

const MAC_LENGTH = 32;

/** keyInfo of the `/account/keys` bundle. */
export const ACCOUNT_KEYS_INFO = 'account/keys';

/** The bundle's HMAC does not match: the bundle or the key is wrong (server: errno 109). */
export class BundleMacError extends Error {
  constructor(message = 'bundle HMAC mismatch') {
    super(message);
    this.name = 'BundleMacError';
  }
}

/** ct ‖ HMAC-SHA256(hmacKey, ct) with ct = plaintext ⊕ xorKey (docs/protocol.md §5). */
export function bundle(bundleKey: Buffer, keyInfo: string, plaintext: Buffer): Buffer {
  const { hmacKey, xorKey } = bundleKeys(bundleKey, keyInfo, plaintext.length);
  const ciphertext = xor(plaintext, xorKey);
  return Buffer.concat([ciphertext, mac(hmacKey, ciphertext)]);
}

export function unbundle(bundleKey: Buffer, keyInfo: string, bundled: Buffer): Buffer {
  if (bundled.length < MAC_LENGTH) throw new BundleMacError('bundle shorter than its HMAC');
  const ciphertext = bundled.subarray(0, bundled.length - MAC_LENGTH);
  const { hmacKey, xorKey } = bundleKeys(bundleKey, keyInfo, ciphertext.length);
  if (!constantTimeEqual(mac(hmacKey, ciphertext), bundled.subarray(ciphertext.length))) {
    throw new BundleMacError();
  }
  return xor(ciphertext, xorKey);
}

export function bundleAccountKeys(bundleKey: Buffer, kA: Buffer, wrapKb: Buffer): Buffer {
  return bundle(bundleKey, ACCOUNT_KEYS_INFO, Buffer.concat([kA, wrapKb]));
}

export function unbundleAccountKeys(bundleKey: Buffer, bundled: Buffer): { kA: Buffer; wrapKb: Buffer } {
  const plaintext = unbundle(bundleKey, ACCOUNT_KEYS_INFO, bundled);
  if (plaintext.length !== 64) throw new RangeError('account/keys bundle must hold 64 bytes');
  return { kA: plaintext.subarray(0, 32), wrapKb: plaintext.subarray(32) };
}

function bundleKeys(bundleKey: Buffer, keyInfo: string, length: number): { hmacKey: Buffer; xorKey: Buffer } {
  const keyMaterial = hkdf(bundleKey, kw(keyInfo), MAC_LENGTH + length);
  return { hmacKey: keyMaterial.subarray(0, MAC_LENGTH), xorKey: keyMaterial.subarray(MAC_LENGTH) };
}

function mac(hmacKey: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', hmacKey).update(data).digest();
}
