// OAuth signing keys (RS256): created on first start, shared through the database, rotated in
// two phases by `accounts-server keys rotate`, published at GET /v1/jwks, and used to sign
// and verify the JWTs of the token endpoints. README "OAuth signing keys" has the why.

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  verify as cryptoVerify,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK, JWTHeaderParameters, JWTPayload, JWTVerifyOptions, JWTVerifyResult } from 'jose';
import { ConfigError } from '../../config.js';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../runtime.js';
import { STATE_ORDER, type PublicSigningJwk, type SigningKey } from './model.js';
import { SigningKeyStore, type StoredSigningKey } from './store.js';

/**
 * The longest lifetime of anything signed with these keys: a retired key is kept (public part
 * only) this long after its retirement, so every token it signed still verifies until it
 * expires. 24 h covers the access tokens to come (FxA: 365 min by default, 24 h at most).
 */
export const MAX_TOKEN_LIFETIME_MS = 24 * 3600 * 1000;
/** How often an instance re-reads the keys (another instance or `keys rotate` may have changed them). */
export const KEY_REFRESH_MS = 30_000;
/** Cache lifetime advertised on GET /v1/jwks (FxA: public, 10 s). */
export const JWKS_MAX_AGE_SECONDS = 10;
/**
 * A next key must have been published this long before `keys rotate` promotes it: every
 * instance has re-read the keys (KEY_REFRESH_MS) and every relying party's cached JWKS
 * (JWKS_MAX_AGE_SECONDS) has expired, so no one meets a token signed by a key it cannot see.
 */
export const MIN_PUBLISH_MS = 60_000;
/** At most one re-read per this long on a token whose kid we do not know. */
const UNKNOWN_KID_REREAD_MS = 1000;

const SEALED_PREFIX = 'aes256gcm:';
const SETTING = 'OAUTH_KEY_ENCRYPTION_KEY';

const generateRsa = promisify(generateKeyPair);

/** AES-256-GCM over the private JWK, bound to its kid: `aes256gcm:` + base64(iv ‖ tag ‖ ciphertext). */
export function sealPrivateJwk(jwk: JWK, kid: string, encryptionKey: Buffer | undefined): string {
  const json = JSON.stringify(jwk);
  if (!encryptionKey) return json;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const sealed = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
}

/** The private JWK; a ConfigError naming OAUTH_KEY_ENCRYPTION_KEY when it cannot be opened. */
export function openPrivateJwk(stored: string, kid: string, encryptionKey: Buffer | undefined): JWK {
  if (!stored.startsWith(SEALED_PREFIX)) return JSON.parse(stored) as JWK;
  if (!encryptionKey) {
    throw new ConfigError(
      `${SETTING} is not set, but the OAuth signing key ${kid} in the database is encrypted; set it to the key it was stored with`,
    );
  }
  const raw = Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as JWK;
  } catch (err) {
    throw new ConfigError(`${SETTING} does not decrypt the OAuth signing key ${kid} stored in the database (a different key?)`, {
      cause: err,
    });
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A fresh RSA-2048 key as FxA generates them: kid `YYYYMMDD-` + 8 hex of SHA-256(public PEM). */
export async function generateSigningKey(
  now: number,
  role: 'active' | 'next',
  encryptionKey: Buffer | undefined,
): Promise<StoredSigningKey & { role: 'active' | 'next' }> {
  const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const date = new Date(now);
  const kid = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-${createHash('sha256').update(pem).digest('hex').slice(0, 8)}`;
  const createdAtSeconds = Math.floor(now / 3_600_000) * 3600;
  const { n, e } = publicKey.export({ format: 'jwk' });
  const publicJwk: PublicSigningJwk = { kty: 'RSA', alg: 'RS256', use: 'sig', kid, 'fxa-createdAt': createdAtSeconds, n: n!, e: e! };
  const privateJwk = {
    ...(privateKey.export({ format: 'jwk' }) as JWK),
    kid,
    alg: 'RS256',
    use: 'sig',
    'fxa-createdAt': createdAtSeconds,
  };
  return {
    kid,
    role,
    publicJwk: JSON.stringify(publicJwk),
    privateJwk: sealPrivateJwk(privateJwk, kid, encryptionKey),
    createdAt: now,
    retiredAt: null,
  };
}

/** Makes sure there is an active key; instances racing here all end with the same one. */
export async function ensureActiveKey(store: SigningKeyStore, now: number, encryptionKey: Buffer | undefined): Promise<string> {
  const existing = await store.findByRole('active');
  if (existing) return existing.kid;
  // The unique role column lets exactly one insert win; the others read the winner's key.
  await store.insert(await generateSigningKey(now, 'active', encryptionKey));
  const active = await store.findByRole('active');
  if (!active) throw new Error('no active OAuth signing key after creating one');
  return active.kid;
}

export type RotationResult =
  { phase: 'published'; kid: string } | { phase: 'promoted'; kid: string; retired: string; dropped: string[] };

/**
 * Phase 1 (no next key): publish a new next key. Phase 2: promote next → active, retire the old
 * active key (public part kept, private part deleted) and drop keys retired longer than
 * MAX_TOKEN_LIFETIME_MS ago. Refuses phase 2 until the next key has been public MIN_PUBLISH_MS.
 */
export async function rotateSigningKeys(db: Db, now: number, encryptionKey: Buffer | undefined): Promise<RotationResult> {
  const store = new SigningKeyStore(db);
  await ensureActiveKey(store, now, encryptionKey);
  const next = await store.findByRole('next');
  if (!next) {
    const key = await generateSigningKey(now, 'next', encryptionKey);
    if (!(await store.insert(key))) throw new Error('another rotation published a next key at the same moment; run `keys list`');
    return { phase: 'published', kid: key.kid };
  }
  const waitMs = next.createdAt + MIN_PUBLISH_MS - now;
  if (waitMs > 0) {
    throw new ConfigError(
      `the next key ${next.kid} was published ${Math.round((now - next.createdAt) / 1000)} s ago; run rotate again in ${Math.ceil(waitMs / 1000)} s, once every instance and relying party has seen it`,
    );
  }
  return db.transaction(async () => {
    const active = await store.findByRole('active');
    await store.promoteNext(next.kid, now);
    const dropped = await store.deleteRetiredBefore(now - MAX_TOKEN_LIFETIME_MS);
    return { phase: 'promoted' as const, kid: next.kid, retired: active?.kid ?? '', dropped };
  });
}

function toSigningKey(stored: StoredSigningKey, encryptionKey: Buffer | undefined): SigningKey {
  return {
    kid: stored.kid,
    state: stored.role ?? 'retired',
    publicJwk: JSON.parse(stored.publicJwk) as PublicSigningJwk,
    privateJwk: stored.privateJwk === null ? undefined : openPrivateJwk(stored.privateJwk, stored.kid, encryptionKey),
    createdAt: stored.createdAt,
    retiredAt: stored.retiredAt ?? undefined,
  };
}

/**
 * Every key, in JWKS order (active, next, retired newest first). Private parts are opened
 * only when `privateParts` is given (the encryption key, or undefined for plain storage).
 */
export async function listSigningKeys(db: Db, privateParts?: { encryptionKey: Buffer | undefined }): Promise<SigningKey[]> {
  const stored = await new SigningKeyStore(db).list();
  const keys = stored.map((key) =>
    privateParts ? toSigningKey(key, privateParts.encryptionKey) : toSigningKey({ ...key, privateJwk: null }, undefined),
  );
  return keys.sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.createdAt - a.createdAt);
}

// jose loads with the first sign or verify: no request path uses it yet, and the embedded
// server's idle memory (bench target ≤ 100 MiB) has little room left.
type Jose = typeof import('jose');
let joseModule: Promise<Jose> | undefined;
const loadJose = (): Promise<Jose> => (joseModule ??= import('jose'));

interface Loaded {
  keys: SigningKey[];
  jwks: { keys: PublicSigningJwk[] };
  active: { kid: string; key: KeyObject };
  /** Built on the first verify with these keys. */
  verifyKeys?: ReturnType<Jose['createLocalJWKSet']>;
  /** kid → public key, for the RS256 checks that skip jose (access tokens on every request). */
  publicKeys: Map<string, KeyObject>;
  at: number;
}

/** What `verifySignature` returns: the decoded header and payload of a JWS whose signature holds. */
export interface SignedParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

const decodeJson = (part: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The keys in memory: re-read every KEY_REFRESH_MS, and when a token names an unknown kid. */
export class SigningKeys {
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;
  private lastUnknownKidReread = -Infinity;

  private constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly encryptionKey: Buffer | undefined,
  ) {}

  /** Creates the first key if there is none, and loads them all (a ConfigError when they cannot be decrypted). */
  static async start(db: Db, clock: Clock, encryptionKey: Buffer | undefined): Promise<SigningKeys> {
    await ensureActiveKey(new SigningKeyStore(db), clock.now(), encryptionKey);
    const keys = new SigningKeys(db, clock, encryptionKey);
    await keys.reload();
    return keys;
  }

  /** Re-reads the keys from the database now. */
  async reload(): Promise<void> {
    this.loading ??= this.read().finally(() => (this.loading = undefined));
    this.loaded = await this.loading;
  }

  private async read(): Promise<Loaded> {
    const keys = await listSigningKeys(this.db, { encryptionKey: this.encryptionKey });
    const active = keys.find((key) => key.state === 'active');
    if (!active?.privateJwk) throw new Error('no active OAuth signing key in the database');
    const jwks = { keys: keys.map((key) => key.publicJwk) };
    return {
      keys,
      jwks,
      active: { kid: active.kid, key: createPrivateKey({ key: active.privateJwk as never, format: 'jwk' }) },
      publicKeys: new Map(keys.map((key) => [key.kid, createPublicKey({ key: key.publicJwk as never, format: 'jwk' })])),
      at: this.clock.now(),
    };
  }

  private async fresh(): Promise<Loaded> {
    if (!this.loaded || this.clock.now() - this.loaded.at >= KEY_REFRESH_MS) await this.reload();
    return this.loaded!;
  }

  /** GET /v1/jwks: active, next, retired. */
  async jwks(): Promise<{ keys: PublicSigningJwk[] }> {
    return (await this.fresh()).jwks;
  }

  /** A compact JWS (RS256) over `payload` with the active key; its kid goes in the header. */
  async sign(payload: JWTPayload, header: Omit<JWTHeaderParameters, 'alg' | 'kid'> = {}): Promise<string> {
    const [{ active }, { SignJWT }] = await Promise.all([this.fresh(), loadJose()]);
    return new SignJWT(payload).setProtectedHeader({ ...header, alg: 'RS256', kid: active.kid }).sign(active.key);
  }

  /**
   * The RS256 signature check alone, with node:crypto: the header and payload when a published
   * key (by kid) verifies the signature, else undefined. No claim is checked: for callers whose
   * authority is elsewhere (an access token's stored row), where jose's WebCrypto path costs
   * about twice as much per request.
   */
  async verifySignature(jws: string): Promise<SignedParts | undefined> {
    const parts = jws.split('.');
    if (parts.length !== 3) return undefined;
    const [encodedHeader, encodedPayload, signature] = parts as [string, string, string];
    const header = decodeJson(encodedHeader);
    if (header?.alg !== 'RS256' || typeof header.kid !== 'string') return undefined;
    let key = (await this.fresh()).publicKeys.get(header.kid);
    const now = this.clock.now();
    if (!key && now - this.lastUnknownKidReread >= UNKNOWN_KID_REREAD_MS) {
      // Another instance may have rotated since we last read: look again, at most once a second.
      this.lastUnknownKidReread = now;
      await this.reload();
      key = this.loaded!.publicKeys.get(header.kid);
    }
    if (!key) return undefined;
    const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
    if (!cryptoVerify('RSA-SHA256', signed, key, Buffer.from(signature, 'base64url'))) return undefined;
    const payload = decodeJson(encodedPayload);
    return payload && { header, payload };
  }

  /** Verifies a JWT signed by any published key (active, next or retired), picked by kid. */
  async verify(jwt: string, options: JWTVerifyOptions = {}): Promise<JWTVerifyResult> {
    const [loaded, { createLocalJWKSet, errors: joseErrors, jwtVerify }] = await Promise.all([this.fresh(), loadJose()]);
    const check = (keys: Loaded) =>
      jwtVerify(jwt, (keys.verifyKeys ??= createLocalJWKSet(keys.jwks as { keys: JWK[] })), {
        currentDate: new Date(this.clock.now()),
        ...options,
        algorithms: ['RS256'],
      });
    try {
      return await check(loaded);
    } catch (err) {
      // Another instance may have rotated since we last read: look again, at most once a second.
      const now = this.clock.now();
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || now - this.lastUnknownKidReread < UNKNOWN_KID_REREAD_MS) throw err;
      this.lastUnknownKidReread = now;
      await this.reload();
      return check(this.loaded!);
    }
  }
}
