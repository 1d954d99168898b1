// onepw crypto for the browser, on WebCrypto only (docs: PROTOCOL.md §1, §3.1, §4.1, §5).
// The Node reference is src/crypto (stretch.ts, tokens.ts, bundle.ts) and src/client/hawk.ts;
// test/pages-crypto.test.ts checks this file against the same vectors and against them.
// No DOM types here: Node 20 has the same globals (crypto.subtle, TextEncoder), so the tests
// run this very file.

export const NAMESPACE = 'identity.mozilla.com/picl/v1/';
export const QUICK_STRETCH_V1_ITERATIONS = 1000;
export const QUICK_STRETCH_V2_ITERATIONS = 650000;

const encoder = new TextEncoder();
const subtle = () => globalThis.crypto.subtle;

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  if (a.length !== b.length) throw new RangeError(`xor needs equal lengths, got ${a.length} and ${b.length}`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** KW(name): the bytes of NAMESPACE + name. */
export function kw(name: string): Uint8Array<ArrayBuffer> {
  return utf8(NAMESPACE + name);
}

/** RFC 5869 HKDF-SHA256; onepw uses the empty salt (PROTOCOL.md §0), scoped keys the uid. */
export async function hkdf(
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  length: number,
  salt: Uint8Array<ArrayBuffer> = new Uint8Array(0),
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await subtle().importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8);
  return new Uint8Array(bits);
}

export async function pbkdf2(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array<ArrayBuffer>> {
  const key = await subtle().importKey('raw', utf8(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

export interface StretchedPassword {
  /** Sent to the server. */
  authPW: Uint8Array<ArrayBuffer>;
  /** Never leaves the browser: unwraps kB. */
  unwrapBKey: Uint8Array<ArrayBuffer>;
}

async function stretch(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<StretchedPassword> {
  const quickStretched = await pbkdf2(password, salt, iterations);
  const [authPW, unwrapBKey] = await Promise.all([
    hkdf(quickStretched, kw('authPW'), 32),
    hkdf(quickStretched, kw('unwrapBkey'), 32),
  ]);
  return { authPW, unwrapBKey };
}

/** v1: salted with the sign-up address as typed then (case kept, no normalisation). */
export function quickStretchV1(email: string, password: string): Promise<StretchedPassword> {
  return stretch(password, utf8(`${NAMESPACE}quickStretch:${email}`), QUICK_STRETCH_V1_ITERATIONS);
}

/** v2: the whole clientSalt string is the salt. */
export function quickStretchV2(password: string, clientSalt: string): Promise<StretchedPassword> {
  return stretch(password, utf8(clientSalt), QUICK_STRETCH_V2_ITERATIONS);
}

export type TokenKind = 'sessionToken' | 'keyFetchToken';

export interface DerivedToken {
  tokenId: Uint8Array<ArrayBuffer>;
  authKey: Uint8Array<ArrayBuffer>;
  bundleKey: Uint8Array<ArrayBuffer>;
}

export async function deriveToken(kind: TokenKind, tokenData: Uint8Array<ArrayBuffer>): Promise<DerivedToken> {
  const material = await hkdf(tokenData, kw(kind), 96);
  return { tokenId: material.slice(0, 32), authKey: material.slice(32, 64), bundleKey: material.slice(64, 96) };
}

async function hmacSha256(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const cryptoKey = await subtle().importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', cryptoKey, data));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Opens ct ‖ HMAC(hmacKey, ct) (PROTOCOL.md §5); throws when the MAC does not match. */
export async function unbundle(
  bundleKey: Uint8Array<ArrayBuffer>,
  keyInfo: string,
  bundled: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (bundled.length < 32) throw new Error('bundle shorter than its HMAC');
  const ciphertext = bundled.slice(0, bundled.length - 32);
  const material = await hkdf(bundleKey, kw(keyInfo), 32 + ciphertext.length);
  const mac = await hmacSha256(material.slice(0, 32), ciphertext);
  if (!equalBytes(mac, bundled.slice(ciphertext.length))) throw new Error('bundle HMAC mismatch');
  return xor(ciphertext, material.slice(32));
}

/** kA and kB from a `/account/keys` bundle, its keyFetchToken and the password's unwrapBKey. */
export async function unwrapAccountKeys(
  keyFetchToken: Uint8Array<ArrayBuffer>,
  bundleHex: string,
  unwrapBKey: Uint8Array<ArrayBuffer>,
): Promise<{ kA: Uint8Array<ArrayBuffer>; kB: Uint8Array<ArrayBuffer> }> {
  const { bundleKey } = await deriveToken('keyFetchToken', keyFetchToken);
  const plaintext = await unbundle(bundleKey, 'account/keys', fromHex(bundleHex));
  if (plaintext.length !== 64) throw new Error('account/keys bundle must hold 64 bytes');
  return { kA: plaintext.slice(0, 32), kB: xor(plaintext.slice(32), unwrapBKey) };
}

export interface HawkInput {
  method: string;
  url: string;
  id: string;
  key: Uint8Array<ArrayBuffer>;
  /** Unix seconds. */
  timestamp: number;
  nonce: string;
  /** With a body: its content type and the exact text sent. */
  contentType?: string;
  payload?: string;
  ext?: string;
}

/** base64(SHA-256("hawk.1.payload\n<type>\n<payload>\n")). */
export async function hawkPayloadHash(contentType: string, payload: string): Promise<string> {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const digest = await subtle().digest('SHA-256', utf8(`hawk.1.payload\n${type}\n${payload}\n`));
  return toBase64(new Uint8Array(digest));
}

/** `Authorization: Hawk …` (PROTOCOL.md §4.1), as the hawk package's client.header builds it. */
export async function hawkHeader(input: HawkInput): Promise<string> {
  const url = new URL(input.url);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const hash = input.payload === undefined ? '' : await hawkPayloadHash(input.contentType ?? '', input.payload);
  const ext = input.ext ?? '';
  const normalized =
    `hawk.1.header\n${input.timestamp}\n${input.nonce}\n${input.method.toUpperCase()}\n` +
    `${url.pathname}${url.search}\n${url.hostname.toLowerCase()}\n${port}\n${hash}\n${ext.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`;
  const mac = toBase64(await hmacSha256(input.key, utf8(normalized)));
  let header = `Hawk id="${input.id}", ts="${input.timestamp}", nonce="${input.nonce}"`;
  if (hash) header += `, hash="${hash}"`;
  if (ext) header += `, ext="${ext.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return `${header}, mac="${mac}"`;
}

/** A random Hawk nonce: 6 bytes as base64url. */
export function randomNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
