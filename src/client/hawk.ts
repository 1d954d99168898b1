import { createRequire } from 'node:module';

/** The part of the untyped `hawk` package (v9) this client uses. */
interface HawkClient {
  header(
    uri: string,
    method: string,
    options: {
      credentials: { id: string; key: Buffer; algorithm: 'sha256' };
      timestamp?: number;
      nonce?: string;
      payload?: string;
      contentType?: string;
      hash?: string;
      ext?: string;
    },
  ): { header: string };
}

const { client: hawkClient } = createRequire(import.meta.url)('hawk') as { client: HawkClient };

/** Knobs that tests turn to produce stale, replayed or tampered signatures. */
export interface HawkOverrides {
  /** Unix seconds; replaces the (offset-corrected) clock. */
  timestamp?: number;
  nonce?: string;
  /** A precomputed payload hash; wins over `payload`. */
  hash?: string;
  /** The payload to hash instead of the body actually sent. */
  payload?: string;
  ext?: string;
}

export interface HawkRequest extends HawkOverrides {
  url: string;
  method: string;
  /** The Hawk `id`: for FxA tokens the hex tokenId. */
  id: string;
  /** Raw MAC key: for FxA tokens the 32-byte authKey. */
  key: Buffer;
  contentType?: string;
}

/** `Authorization: Hawk …` for one request (docs/protocol.md §4.1); payload is hashed only when given. */
export function hawkHeader(request: HawkRequest): string {
  const { url, method, id, key, ...options } = request;
  return hawkClient.header(url, method, {
    credentials: { id, key, algorithm: 'sha256' },
    ...options,
  }).header;
}
