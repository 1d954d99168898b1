// Scoped keys on the client (OAUTH_AND_PAYMENTS.md §9): what Mozilla's content server and
// fxa-crypto-relier do with kB and the answer of /account/scoped-key-data, and how the relying
// party's ephemeral P-256 key carries the keys to it as `keys_jwe`. The server never sees
// any of this in clear: it stores the JWE opaquely with the authorization code.

import { createHash } from 'node:crypto';
import type { CryptoKey, JWK, KeyObject } from 'jose';
import { hkdf, kw } from '../crypto/index.js';

/** The Sync scope: its key is derived the legacy way, so existing Sync data stays readable. */
export const OLDSYNC_SCOPE = 'https://identity.mozilla.com/apps/oldsync';

/** A scoped key as the relying party receives it. */
export interface ScopedKeyJwk {
  kty: 'oct';
  scope: string;
  /** base64url key bytes: 32 (generic) or 64 (oldsync). */
  k: string;
  /** `<timestamp>-<base64url fingerprint>`: seconds for generic keys, milliseconds for oldsync. */
  kid: string;
}

export interface ScopedKeyInput {
  kB: Buffer;
  /** The account's uid, 32 hex. */
  uid: string;
  scope: string;
  /** From /account/scoped-key-data. */
  identifier: string;
  /** 64 hex (FxA sends zeros). */
  keyRotationSecret: string;
  /** ms */
  keyRotationTimestamp: number;
}

const HEX = (bytes: number) => new RegExp(`^(?:[0-9a-fA-F]{2}){${bytes}}$`);
const UID_HEX = HEX(16);
const SECRET_HEX = HEX(32);

const b64url = (bytes: Buffer): string => bytes.toString('base64url');

/** Derives the key of one scope from kB (fxa-crypto-relier's ScopedKeys.deriveScopedKey). */
export function deriveScopedKey(input: ScopedKeyInput): ScopedKeyJwk {
  const { kB, uid, scope, identifier, keyRotationSecret, keyRotationTimestamp } = input;
  if (kB.length !== 32) throw new RangeError('kB must be 32 bytes');
  if (!UID_HEX.test(uid)) throw new RangeError('uid must be 32 hex characters');
  if (!SECRET_HEX.test(keyRotationSecret)) throw new RangeError('keyRotationSecret must be 64 hex characters');
  if (!Number.isSafeInteger(keyRotationTimestamp) || keyRotationTimestamp < 0) {
    throw new RangeError('keyRotationTimestamp must be a non-negative integer (ms)');
  }
  if (identifier === OLDSYNC_SCOPE) return deriveOldSyncKey(kB, scope, keyRotationTimestamp);

  const ikm = Buffer.concat([kB, Buffer.from(keyRotationSecret, 'hex')]);
  const okm = hkdf(ikm, kw(`scoped_key\n${identifier}`), 48, Buffer.from(uid, 'hex'));
  return {
    kty: 'oct',
    scope,
    k: b64url(okm.subarray(16, 48)),
    kid: `${Math.round(keyRotationTimestamp / 1000)}-${b64url(okm.subarray(0, 16))}`,
  };
}

/**
 * Sync predates scoped keys: its 64-byte key bundle comes from kB alone, and its key id
 * (the tokenserver's X-KeyID) fingerprints kB with the timestamp kept in milliseconds.
 */
function deriveOldSyncKey(kB: Buffer, scope: string, keyRotationTimestamp: number): ScopedKeyJwk {
  const fingerprint = createHash('sha256').update(kB).digest().subarray(0, 16);
  return {
    kty: 'oct',
    scope,
    k: b64url(hkdf(kB, kw('oldsync'), 64)),
    kid: `${keyRotationTimestamp}-${b64url(fingerprint)}`,
  };
}

// ---- keys_jwk / keys_jwe ------------------------------------------------------------------

type Jose = typeof import('jose');
let joseModule: Promise<Jose> | undefined;
/** jose loads with the first JWE, so users of the client that never touch one don't pay for it. */
const loadJose = (): Promise<Jose> => (joseModule ??= import('jose'));

const JWE_ALG = 'ECDH-ES';
const JWE_ENC = 'A256GCM';

/** The relying party's side: an ephemeral P-256 key pair, the public half as `keys_jwk`. */
export async function createKeysJwk(): Promise<{ keysJwk: string; privateKey: CryptoKey }> {
  const { generateKeyPair, exportJWK } = await loadJose();
  const { publicKey, privateKey } = await generateKeyPair(JWE_ALG, { crv: 'P-256' });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return { keysJwk: Buffer.from(JSON.stringify({ kty, crv, x, y })).toString('base64url'), privateKey };
}

/**
 * Encrypts `{"<scope>": <JWK>, …}` to the relying party's `keys_jwk` (base64url of the JSON
 * of a P-256 public JWK): compact JWE, ECDH-ES key agreement, A256GCM content encryption.
 */
export async function createKeysJwe(keysJwkBase64url: string, keys: Record<string, ScopedKeyJwk | JWK>): Promise<string> {
  const { importJWK, CompactEncrypt } = await loadJose();
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(Buffer.from(keysJwkBase64url, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new TypeError('keys_jwk is not base64url-encoded JSON');
  }
  if (jwk === null || typeof jwk !== 'object' || jwk.kty !== 'EC' || jwk.crv !== 'P-256') {
    throw new TypeError('keys_jwk must be a P-256 EC public key');
  }
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || 'd' in jwk) {
    throw new TypeError('keys_jwk must be a P-256 EC public key');
  }
  // Only the key itself: Firefox adds `ext` and an empty `key_ops`, which WebCrypto would judge.
  const publicKey = await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, JWE_ALG);
  return new CompactEncrypt(Buffer.from(JSON.stringify(keys), 'utf8'))
    .setProtectedHeader({ alg: JWE_ALG, enc: JWE_ENC })
    .encrypt(publicKey);
}

/** The relying party's side: the scoped keys inside `keys_jwe`. */
export async function decryptKeysJwe(jwe: string, privateKey: CryptoKey | KeyObject | JWK): Promise<Record<string, ScopedKeyJwk>> {
  const { compactDecrypt, importJWK } = await loadJose();
  const key = 'kty' in privateKey ? await importJWK(privateKey as JWK, JWE_ALG) : privateKey;
  const { plaintext } = await compactDecrypt(jwe, key, {
    keyManagementAlgorithms: [JWE_ALG],
    contentEncryptionAlgorithms: [JWE_ENC],
  });
  return JSON.parse(Buffer.from(plaintext).toString('utf8')) as Record<string, ScopedKeyJwk>;
}
