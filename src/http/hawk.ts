// Hawk request verification (hawk.1 header scheme, docs/protocol.md §4.1), written for the
// server's hot path: one parse, one HMAC, no allocation-heavy error objects. The
// `hawk` package still signs requests in our client, and tests check both agree.

import { createHash, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface HawkAttributes {
  id: string;
  ts: string;
  nonce: string;
  mac: string;
  hash?: string;
  ext?: string;
  app?: string;
  dlg?: string;
}

export interface HawkRequestParts {
  method: string;
  /** Path and query exactly as sent. */
  resource: string;
  host: string;
  port: number;
}

const MAX_HEADER_LENGTH = 4096;
const ATTRIBUTE = /(\w+)="([^"\\]*)"\s*(?:,\s*|$)/g;
// The characters the Hawk spec allows inside attribute values.
const ATTRIBUTE_VALUE = /^[ \w!#$%&'()*+,\-./:;<=>?@[\]^`{|}~]+$/;
const KNOWN = new Set(['id', 'ts', 'nonce', 'hash', 'ext', 'mac', 'app', 'dlg']);

// The order every known client (hawk, hawkauthlib, Firefox) writes: one match, no loop.
const CANONICAL =
  /^hawk id="([^"\\]+)", ts="([^"\\]+)", nonce="([^"\\]+)"(?:, hash="([^"\\]+)")?(?:, ext="([^"\\]+)")?, mac="([^"\\]+)"$/i;

/** The attributes of `Hawk id="…", ts="…", …`, or null when the header is malformed. */
export function parseHawkHeader(header: string): HawkAttributes | null {
  if (header.length > MAX_HEADER_LENGTH) return null;
  const canonical = CANONICAL.exec(header);
  if (canonical) {
    const [, id, ts, nonce, hash, ext, mac] = canonical as unknown as [
      string,
      string,
      string,
      string,
      string | undefined,
      string | undefined,
      string,
    ];
    const values = [id, ts, nonce, hash, ext, mac];
    if (values.every((value) => value === undefined || ATTRIBUTE_VALUE.test(value))) {
      return { id, ts, nonce, mac, ...(hash === undefined ? {} : { hash }), ...(ext === undefined ? {} : { ext }) };
    }
    return null;
  }
  const match = /^hawk\s+(.*)$/is.exec(header);
  if (!match) return null;
  const text = match[1]!;
  const attributes: Record<string, string> = {};
  let consumed = 0;
  for (const [whole, name, value] of text.matchAll(ATTRIBUTE)) {
    if (!KNOWN.has(name!) || name! in attributes || !ATTRIBUTE_VALUE.test(value!)) return null;
    attributes[name!] = value!;
    consumed += whole.length;
  }
  if (consumed !== text.length) return null;
  const { id, ts, nonce, mac } = attributes;
  if (!id || !ts || !nonce || !mac) return null;
  return attributes as unknown as HawkAttributes;
}

function normalizedString(attributes: HawkAttributes, request: HawkRequestParts): string {
  const ext = attributes.ext ? attributes.ext.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : '';
  const app = attributes.app ? `${attributes.app}\n${attributes.dlg ?? ''}\n` : '';
  return (
    `hawk.1.header\n${attributes.ts}\n${attributes.nonce}\n${request.method.toUpperCase()}\n${request.resource}\n` +
    `${request.host.toLowerCase()}\n${request.port}\n${attributes.hash ?? ''}\n${ext}\n${app}`
  );
}

/**
 * True when `given` is exactly the Hawk spelling of `expected`: standard base64 with padding,
 * 44 characters for SHA-256, as the `hawk` package writes it and compares it (as a string).
 * Decoding `given` instead would also take trailing bytes, missing padding, the base64url
 * alphabet, whitespace and non-zero padding bits, so we compare the encoded text. Only its
 * length, which is public, decides before the constant-time comparison.
 */
function sameBase64(expected: Buffer, given: string): boolean {
  const canonical = Buffer.from(expected.toString('base64'), 'latin1');
  const received = Buffer.from(given, 'utf8');
  return received.length === canonical.length && timingSafeEqual(received, canonical);
}

/** Checks the request MAC in constant time. */
export function verifyHawkMac(key: KeyObject | Buffer, attributes: HawkAttributes, request: HawkRequestParts): boolean {
  const expected = createHmac('sha256', key).update(normalizedString(attributes, request)).digest();
  return sameBase64(expected, attributes.mac);
}

/** Checks the `hash` attribute against the body as received. */
export function verifyHawkPayloadHash(hash: string, contentType: string, payload: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const expected = createHash('sha256').update(`hawk.1.payload\n${type}\n`).update(payload).update('\n').digest();
  return sameBase64(expected, hash);
}
