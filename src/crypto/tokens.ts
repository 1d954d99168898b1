import { hkdf, kw } from './hkdf.js';

export const TOKEN_KINDS = [
  'sessionToken',
  'keyFetchToken',
  'accountResetToken',
  'passwordForgotToken',
  'passwordChangeToken',
] as const;

export type TokenKind = (typeof TOKEN_KINDS)[number];

/** Prefixes of `Authorization: Bearer <prefix>_<tokenId hex>` (docs/protocol.md §4.2). */
export const BEARER_PREFIXES: Readonly<Record<TokenKind, string>> = {
  sessionToken: 'fxs',
  keyFetchToken: 'fxk',
  accountResetToken: 'fxar',
  passwordForgotToken: 'fxpf',
  passwordChangeToken: 'fxpc',
};

export const TOKEN_DATA_LENGTH = 32;

export interface DerivedToken {
  /** Sent in Authorization headers. */
  tokenId: Buffer;
  /** Raw Hawk MAC key. */
  authKey: Buffer;
  /** Key of the encrypted response bundles (§5). */
  bundleKey: Buffer;
}

export function deriveToken(kind: TokenKind, tokenData: Buffer): DerivedToken {
  const keyMaterial = hkdf(tokenData, kw(kind), 96);
  return {
    tokenId: keyMaterial.subarray(0, 32),
    authKey: keyMaterial.subarray(32, 64),
    bundleKey: keyMaterial.subarray(64, 96),
  };
}
