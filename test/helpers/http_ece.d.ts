// The part of the http_ece package (encrypted content-encoding, RFC 8188) the push sink uses.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  export interface EceParams {
    version: 'aes128gcm' | 'aesgcm' | 'aesgcm128';
    /** The receiver's key pair; for aes128gcm the sender's public key comes from the header. */
    privateKey?: ECDH;
    /** base64url, or a Buffer. */
    authSecret?: string | Buffer;
    dh?: string | Buffer;
    key?: string | Buffer;
    keyid?: string | Buffer;
  }

  export function decrypt(buffer: Buffer, params: EceParams): Buffer;
  export function encrypt(buffer: Buffer, params: EceParams & { salt?: string | Buffer; rs?: number }): Buffer;
}
