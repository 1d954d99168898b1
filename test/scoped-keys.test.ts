// Client-side scoped keys (OAUTH_AND_PAYMENTS.md §9): the derivation vectors, PKCE, and the
// keys_jwk → keys_jwe → keys round trip a relying party does.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import {
  createKeysJwe,
  createKeysJwk,
  createPkce,
  decryptKeysJwe,
  deriveScopedKey,
  OLDSYNC_SCOPE,
  pkceChallenge,
} from '../src/client/index.js';

const UID = 'aeaa1725c7a24ff983c6295725d5fc9b';
const ZEROS = '0'.repeat(64);
const NOTES = 'https://identity.mozilla.com/apps/notes';

describe('deriveScopedKey', () => {
  test('generic scope, zero rotation secret (notes)', () => {
    assert.deepEqual(
      deriveScopedKey({
        kB: Buffer.from('bc3851e9e610f631df94d7883d5defd5e5f55ab520bd5a9ae33dae26575c6b1a', 'hex'),
        uid: UID,
        scope: NOTES,
        identifier: NOTES,
        keyRotationSecret: ZEROS,
        keyRotationTimestamp: 1494446722583,
      }),
      {
        kty: 'oct',
        scope: NOTES,
        k: 'b9SaftekqPfXDOEeZx8714ktkcG9mBbNnKIyoUmhShE',
        kid: '1494446723-sXWpWP2sQkP-KsjIPGm1gg',
      },
    );
  });

  test('generic scope, non-zero rotation secret, identifier apart from the scope', () => {
    assert.deepEqual(
      deriveScopedKey({
        kB: Buffer.from('8b2e1303e21eee06a945683b8d495b9bf079ca30baa37eb8392d9ffa4767be45', 'hex'),
        uid: UID,
        scope: 'https://example.com',
        identifier: 'app_key:https%3A//example.com',
        keyRotationSecret: '517d478cb4f994aa69930416648a416fdaa1762c5abf401a2acf11a0f185e98d',
        keyRotationTimestamp: 1510726317000,
      }),
      {
        kty: 'oct',
        scope: 'https://example.com',
        k: 'Kkbk1_Q0oCcTmggeDH6880bQrxin2RLu5D00NcJazdQ',
        kid: '1510726317-Voc-Eb9IpoTINuo9ll7bjA',
      },
    );
  });

  test('oldsync uses the legacy Sync derivation and keeps the timestamp in ms', () => {
    const key = deriveScopedKey({
      kB: Buffer.from('eaf9570b7219a4187d3d6bf3cec2770c2e0719b7cc0dfbb38243d6f1881675e9', 'hex'),
      uid: UID,
      scope: OLDSYNC_SCOPE,
      identifier: OLDSYNC_SCOPE,
      keyRotationSecret: ZEROS,
      keyRotationTimestamp: 1510726317123,
    });
    assert.deepEqual(key, {
      kty: 'oct',
      scope: OLDSYNC_SCOPE,
      k: 'DW_ll5GwX6SJ5GPqJVAuMUP2t6kDqhUulc2cbt26xbTcaKGQl-9l29FHAQ7kUiJETma4s9fIpEHrt909zgFang',
      kid: '1510726317123-IqQv4onc7VcVE1kTQkyyOw',
    });
    assert.equal(Buffer.from(key.k, 'base64url').length, 64);
  });

  test('refuses malformed input', () => {
    const good = {
      kB: Buffer.alloc(32, 1),
      uid: UID,
      scope: NOTES,
      identifier: NOTES,
      keyRotationSecret: ZEROS,
      keyRotationTimestamp: 1494446722583,
    };
    assert.doesNotThrow(() => deriveScopedKey(good));
    assert.throws(() => deriveScopedKey({ ...good, kB: Buffer.alloc(31) }), RangeError);
    assert.throws(() => deriveScopedKey({ ...good, uid: 'xyz' }), RangeError);
    assert.throws(() => deriveScopedKey({ ...good, keyRotationSecret: '00' }), RangeError);
    assert.throws(() => deriveScopedKey({ ...good, keyRotationTimestamp: -1 }), RangeError);
    assert.throws(() => deriveScopedKey({ ...good, keyRotationTimestamp: 1.5 }), RangeError);
  });
});

describe('PKCE', () => {
  test('RFC 7636 appendix B vector', () => {
    assert.equal(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  test('a fresh pair is 43 characters each and matches', () => {
    const { verifier, challenge, method } = createPkce();
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(challenge, pkceChallenge(verifier));
    assert.equal(challenge.length, 43);
    assert.equal(method, 'S256');
  });
});

describe('keys_jwe', () => {
  const keys = {
    [NOTES]: deriveScopedKey({
      kB: Buffer.alloc(32, 7),
      uid: UID,
      scope: NOTES,
      identifier: NOTES,
      keyRotationSecret: ZEROS,
      keyRotationTimestamp: 1494446722583,
    }),
  };

  test('round trip: ECDH-ES + A256GCM compact JWE to the relying party key', async () => {
    const { keysJwk, privateKey } = await createKeysJwk();
    const jwe = await createKeysJwe(keysJwk, keys);
    assert.equal(jwe.split('.').length, 5);
    const header = decodeProtectedHeader(jwe);
    assert.equal(header.alg, 'ECDH-ES');
    assert.equal(header.enc, 'A256GCM');
    assert.equal((header.epk as { crv?: string } | undefined)?.crv, 'P-256');
    assert.deepEqual(await decryptKeysJwe(jwe, privateKey), keys);
  });

  test('accepts Firefox-style keys_jwk (ext, empty key_ops) and a private JWK to decrypt', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), ext: true, key_ops: [] };
    const jwe = await createKeysJwe(Buffer.from(JSON.stringify(publicJwk)).toString('base64url'), keys);
    const privateJwk = await exportJWK(privateKey);
    assert.deepEqual(await decryptKeysJwe(jwe, privateJwk), keys);
    // Plain jose decrypts it too: nothing here is specific to our client.
    const { plaintext } = await compactDecrypt(jwe, privateKey);
    assert.deepEqual(JSON.parse(Buffer.from(plaintext).toString()), keys);
  });

  test('refuses keys_jwk that is not a P-256 public key', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-384', extractable: true });
    await assert.rejects(createKeysJwe(encode(await exportJWK(publicKey)), keys), TypeError);
    await assert.rejects(createKeysJwe(encode(await exportJWK(privateKey)), keys), TypeError);
    await assert.rejects(createKeysJwe(encode({ kty: 'oct', k: 'AAAA' }), keys), TypeError);
    await assert.rejects(createKeysJwe('not json', keys), TypeError);
    await assert.rejects(createKeysJwe(encode(null), keys), TypeError);
  });

  test('a JWE for another key does not decrypt', async () => {
    const ours = await createKeysJwk();
    const theirs = await createKeysJwk();
    const jwe = await createKeysJwe(theirs.keysJwk, keys);
    await assert.rejects(decryptKeysJwe(jwe, ours.privateKey));
  });
});
