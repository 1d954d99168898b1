// Scoped keys in the browser (OAUTH_AND_PAYMENTS.md §9): each keyed scope's key derived from
// kB as /account/scoped-key-data says, then encrypted to the app's `keys_jwk` as `keys_jwe`
// (compact JWE, ECDH-ES + A256GCM, with jose on WebCrypto). The Node reference is
// src/client/scoped-keys.ts; test/pages-crypto.test.ts checks both agree. The Firefox
// (WebChannel) flow needs the same for the oldsync scope.

import { CompactEncrypt, importJWK } from 'jose';
import { fromHex, hkdf, kw, utf8 } from './crypto.js';

export const OLDSYNC_SCOPE = 'https://identity.mozilla.com/apps/oldsync';

export interface ScopedKeyJwk {
  kty: 'oct';
  scope: string;
  k: string;
  kid: string;
}

/** One entry of /account/scoped-key-data's answer. */
export interface ScopedKeyData {
  identifier: string;
  keyRotationSecret: string;
  keyRotationTimestamp: number;
}

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): string {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/');
  return atob(padded + '='.repeat((4 - (padded.length % 4)) % 4));
}

/** The key of one scope (fxa-crypto-relier's deriveScopedKey); oldsync the legacy Sync way. */
export async function deriveScopedKey(
  kB: Uint8Array<ArrayBuffer>,
  uid: string,
  scope: string,
  data: ScopedKeyData,
): Promise<ScopedKeyJwk> {
  if (kB.length !== 32) throw new RangeError('kB must be 32 bytes');
  if (data.identifier === OLDSYNC_SCOPE) {
    const fingerprint = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', kB)).slice(0, 16);
    return {
      kty: 'oct',
      scope,
      k: base64url(await hkdf(kB, kw('oldsync'), 64)),
      kid: `${data.keyRotationTimestamp}-${base64url(fingerprint)}`,
    };
  }
  const secret = fromHex(data.keyRotationSecret);
  const ikm = new Uint8Array(kB.length + secret.length);
  ikm.set(kB);
  ikm.set(secret, kB.length);
  const okm = await hkdf(ikm, kw(`scoped_key\n${data.identifier}`), 48, fromHex(uid));
  return {
    kty: 'oct',
    scope,
    k: base64url(okm.slice(16, 48)),
    kid: `${Math.round(data.keyRotationTimestamp / 1000)}-${base64url(okm.slice(0, 16))}`,
  };
}

/** Encrypts `{"<scope>": <JWK>, …}` to `keys_jwk` (base64url JSON of a P-256 public JWK). */
export async function createKeysJwe(keysJwk: string, keys: Record<string, ScopedKeyJwk>): Promise<string> {
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(fromBase64url(keysJwk)) as Record<string, unknown>;
  } catch {
    throw new TypeError('keys_jwk is not base64url-encoded JSON');
  }
  if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || 'd' in jwk) {
    throw new TypeError('keys_jwk must be a P-256 EC public key');
  }
  // Only the key itself: Firefox adds `ext` and an empty `key_ops`, which WebCrypto would judge.
  const publicKey = await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ECDH-ES');
  return new CompactEncrypt(utf8(JSON.stringify(keys))).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' }).encrypt(publicKey);
}

/** Every keyed scope of `scopeData` derived and encrypted to `keysJwk`. */
export async function scopedKeysJwe(
  kB: Uint8Array<ArrayBuffer>,
  uid: string,
  scopeData: Record<string, ScopedKeyData>,
  keysJwk: string,
): Promise<string> {
  const keys: Record<string, ScopedKeyJwk> = {};
  for (const [scope, data] of Object.entries(scopeData)) keys[scope] = await deriveScopedKey(kB, uid, scope, data);
  return createKeysJwe(keysJwk, keys);
}
