// The pages' WebCrypto onepw code (src/pages/client/crypto.ts) against PROTOCOL.md §11's
// vectors and against the Node reference (src/crypto, the hawk package via src/client).
// Node 20 has WebCrypto as a global, so this runs the very file the browser gets.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { hawkHeader as referenceHawkHeader } from '../src/client/index.js';
import { createKeysJwk, decryptKeysJwe, deriveScopedKey as referenceDeriveScopedKey } from '../src/client/scoped-keys.js';
import { bundleAccountKeys, deriveToken as referenceDeriveToken, quickStretchV1 as referenceStretchV1 } from '../src/crypto/index.js';
import {
  deriveToken,
  fromHex,
  hawkHeader,
  hawkPayloadHash,
  hkdf,
  kw,
  quickStretchV1,
  quickStretchV2,
  toHex,
  unbundle,
  unwrapAccountKeys,
  utf8,
} from '../src/pages/client/crypto.js';
import { OLDSYNC_SCOPE, deriveScopedKey, scopedKeysJwe } from '../src/pages/client/scoped-keys.js';

const EMAIL = 'andré@example.org';
const PASSWORD = 'pässwörd';
const SALT_V2 = 'identity.mozilla.com/picl/v1/quickStretchV2:';

const u8 = (buffer: Buffer) => new Uint8Array(buffer);

describe('browser onepw crypto: PROTOCOL.md §11 vectors', () => {
  test('§11.1 quickStretch v1', async () => {
    const { authPW, unwrapBKey } = await quickStretchV1(EMAIL, PASSWORD);
    assert.equal(toHex(authPW), '247b675ffb4c46310bc87e26d712153abe5e1c90ef00a4784594f97ef54f2375');
    assert.equal(toHex(unwrapBKey), 'de6a2648b78284fcb9ffa81ba95803309cfba7af583c01a8a1a63e567234dd28');
  });

  test('§11.1 quickStretch v2 (fxa-auth-client and PyFxA salts)', async () => {
    const a = await quickStretchV2(PASSWORD, `${SALT_V2}0123456789abcdef0123456789abcdef`);
    assert.equal(toHex(a.authPW), 'd278c764bd1852a14bfc4e9d8c1682b4f1a57edb9a9372bf8c370cc41592155b');
    assert.equal(toHex(a.unwrapBKey), '616616095eff30032abf6a47df30d9a3fc799d8af5e8519905c1601170553493');
    const b = await quickStretchV2(PASSWORD, `${SALT_V2}c2dc400c9cc1a93dd3cd3af1b05ebd60`);
    assert.equal(toHex(b.authPW), '28c81379c31905d16f9aa9c63fcf0950094e413e16a9c9be41f52dbb09af518e');
    assert.equal(toHex(b.unwrapBKey), 'e1c1f362437c8977e2ad8372cafcaf873df7dce30ae351bcd262af05e84caa92');
  });

  test('§11.2 HKDF: RFC 5869 case 3 (empty salt and info) and the account/keys case', async () => {
    const okm = await hkdf(fromHex('0b'.repeat(22)), new Uint8Array(0), 42);
    assert.equal(toHex(okm), '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
    const keys = await hkdf(fromHex('ba0a107dab60f3b065ff7a642d14fe824fbd71bc5c99087e9e172a1abd1634f1'), kw('account/keys'), 96);
    assert.equal(toHex(keys.slice(0, 32)), '17ab463653a94c9a6419b48781930edefe500395e3b4e7879a2be15999757022');
  });

  test('§11.4 token derivation', async () => {
    const session = await deriveToken('sessionToken', fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf'));
    assert.equal(toHex(session.tokenId), 'c0a29dcf46174973da1378696e4c82ae10f723cf4f4d9f75e39f4ae3851595ab');
    assert.equal(toHex(session.authKey), '9d8f22998ee7f5798b887042466b72d53e56ab0c094388bf65831f702d2febc0');
    assert.equal(toHex(session.bundleKey), '37e3fceb754cb57362a8bd60a2f2344a7c285d17ddb2b57733640ce6d1b6a7a8');
    const keyFetch = await deriveToken('keyFetchToken', fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'));
    assert.equal(toHex(keyFetch.tokenId), '3d0a7c02a15a62a2882f76e39b6494b500c022a8816e048625a495718998ba60');
    assert.equal(toHex(keyFetch.authKey), '87b8937f61d38d0e29cd2d5600b3f4da0aa48ac41de36a0efe84bb4a9872ceb7');
    assert.equal(toHex(keyFetch.bundleKey), '14f338a9e8c6324d9e102d4e6ee83b209796d5c74bb734a410e729e014a4a546');
  });

  test('§11.5 /account/keys bundles: client vector 1, end to end, tampering', async () => {
    const plaintext = await unbundle(
      fromHex('ba0a107dab60f3b065ff7a642d14fe824fbd71bc5c99087e9e172a1abd1634f1'),
      'account/keys',
      fromHex(
        'e47eb17e487eb4495e79846d5e0c16ea51ef51ff5ef59cd8f626f95f572ec64dcc7b97fcbc0d0ece0cc93dbe6ac84974066830280ccacf5de13a8460524238cf543edfc5027aabeddc107e9fd429a25ce6f5d94917f2a6435380ee5f11353814',
      ),
    );
    assert.equal(toHex(plaintext.slice(0, 32)), '61a0a7bd69f4a62d5a1f0f94e9a0ed86b358b1c3d67c98a352ad72da1b434da6');
    assert.equal(toHex(plaintext.slice(32)), 'f69a971df9c763a7c798a739404be60c8119a56c59bbae1e5d32a63efa26754a');

    const bundle =
      'ee5c58845c7c9412b11bbd20920c2fddd83c33c9cd2c2de2d66b222613364636fc7e59d854d599f10e212801de3a47c34333f3b838ee3471e0f285649c332bbb4c17f42a0b319bbba327d2b326ad23e937219b4de32e3ec7b3e3f740522ad6ef';
    const keyFetchToken = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const unwrapBKey = fromHex('de6a2648b78284fcb9ffa81ba95803309cfba7af583c01a8a1a63e567234dd28');
    const { kA, kB } = await unwrapAccountKeys(keyFetchToken, bundle, unwrapBKey);
    assert.equal(toHex(kA), '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f');
    assert.equal(toHex(kB), 'a095c51c1c6e384e8d5777d97e3c487a4fc2128a00ab395a73d57fedf41631f0');

    const tampered = `${bundle.slice(0, -2)}${bundle.endsWith('00') ? '01' : '00'}`;
    await assert.rejects(unwrapAccountKeys(keyFetchToken, tampered, unwrapBKey), /HMAC mismatch/);
  });

  test('§11.6 Hawk: the hawk test suite, the spec (with ext) and the FxA cases', async () => {
    const suite = await hawkHeader({
      method: 'POST',
      url: 'https://example.net/somewhere/over/the/rainbow',
      id: '123456',
      key: utf8('2983d45yun89q'),
      timestamp: 1353809207,
      nonce: 'Ygvqdz',
      contentType: 'text/plain',
      payload: 'something to write about',
    });
    assert.match(suite, /hash="2QfCt3GuY9HQnHWyWD3wX68ZOKbynqlfYmuO2ZBRqtY="/);
    assert.match(suite, /mac="HTgtd0jPI6E4izx8e4OHdO36q00xFCU0FolNq3RiCYs="/);

    const spec = {
      id: 'dh37fgj492je',
      key: utf8('werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn'),
      timestamp: 1353832234,
      nonce: 'j4h3g2',
    };
    const get = await hawkHeader({
      ...spec,
      method: 'GET',
      url: 'http://example.com:8000/resource/1?b=1&a=2',
      ext: 'some-app-ext-data',
    });
    assert.match(get, /mac="6R4rV5iE\+NPoym\+WwjeHzjAGXUtLNIxmo1vpMofpLAE="/);
    assert.match(get, /ext="some-app-ext-data"/);
    const post = await hawkHeader({
      ...spec,
      method: 'POST',
      url: 'http://example.com:8000/resource/1?b=1&a=2',
      ext: 'some-app-ext-data',
      contentType: 'text/plain',
      payload: 'Thank you for flying Hawk',
    });
    assert.match(post, /hash="Yi9LfIIFRtBEPt74PVmbTF\/xVAwPn7ub15ePICfgnuY="/);
    assert.match(post, /mac="aSe1DERmZuRl3pI36\/9BdZmnErTw3sNzOOAUlfeKjVw="/);

    const key = fromHex('9d8f22998ee7f5798b887042466b72d53e56ab0c094388bf65831f702d2febc0');
    const fxa = { id: 'x', key, timestamp: 1700000000, nonce: 'abc123' };
    const device = await hawkHeader({
      ...fxa,
      method: 'POST',
      url: 'https://api.accounts.example.com/v1/account/device',
      contentType: 'application/json',
      payload: '{"name":"My Phone","type":"mobile"}',
    });
    assert.match(device, /hash="UN1jjerCvOGXIVqC\/aovlINNM\+cei9Q32CJ13LrrzVo="/);
    assert.match(device, /mac="4RAnIYdzyAg2pmDY7LyV0qPceuTkSUlZua5UGdqvJGo="/);
    const devices = await hawkHeader({ ...fxa, method: 'GET', url: 'https://api.accounts.example.com/v1/account/devices' });
    assert.match(devices, /mac="axKGAt3Z\+bTbfztsg6\/WyCZAcSCExyOzL6KmCF1bO5g="/);
    assert.doesNotMatch(devices, /hash=/);
  });
});

describe('browser onepw crypto agrees with the Node reference', () => {
  test('stretching, token derivation and bundles on random inputs', async () => {
    for (let i = 0; i < 5; i++) {
      const email = `${randomBytes(4).toString('hex')}.Ä@example.com`;
      const password = randomBytes(9).toString('base64');
      const [ours, reference] = await Promise.all([quickStretchV1(email, password), referenceStretchV1(email, password)]);
      assert.equal(toHex(ours.authPW), reference.authPW.toString('hex'));
      assert.equal(toHex(ours.unwrapBKey), reference.unwrapBKey.toString('hex'));

      const tokenData = randomBytes(32);
      const token = await deriveToken('keyFetchToken', u8(tokenData));
      const expected = referenceDeriveToken('keyFetchToken', tokenData);
      assert.equal(toHex(token.tokenId), expected.tokenId.toString('hex'));
      assert.equal(toHex(token.authKey), expected.authKey.toString('hex'));

      const kA = randomBytes(32);
      const wrapKb = randomBytes(32);
      const bundle = bundleAccountKeys(expected.bundleKey, kA, wrapKb).toString('hex');
      const unwrapBKey = randomBytes(32);
      const keys = await unwrapAccountKeys(u8(tokenData), bundle, u8(unwrapBKey));
      assert.equal(toHex(keys.kA), kA.toString('hex'));
      assert.equal(toHex(keys.kB), Buffer.from(wrapKb.map((byte, j) => byte ^ unwrapBKey[j]!)).toString('hex'));
    }
  });

  test('Hawk headers are those of the hawk package', async () => {
    const key = randomBytes(32);
    for (const [method, url, payload] of [
      ['GET', 'http://127.0.0.1:9000/v1/recovery_email/status', undefined],
      ['POST', 'https://accounts.example.com/v1/session/verify_code?service=sync', '{"code":"123456"}'],
      ['POST', 'http://localhost:8080/v1/session/destroy', '{}'],
    ] as const) {
      const common = { method, url, id: 'abc', timestamp: 1768478400, nonce: 'n0nce' };
      const ours = await hawkHeader({ ...common, key: u8(key), contentType: payload && 'application/json', payload });
      const reference = referenceHawkHeader({ ...common, key, contentType: payload && 'application/json', payload });
      assert.equal(ours, reference);
    }
    assert.equal(await hawkPayloadHash('Application/JSON; charset=utf-8', '{}'), await hawkPayloadHash('application/json', '{}'));
  });
});

describe('browser scoped keys agree with the Node reference', () => {
  const NOTES = 'https://identity.mozilla.com/apps/notes';

  test('derivation of a generic scope and of oldsync', async () => {
    for (let i = 0; i < 5; i++) {
      const kB = randomBytes(32);
      const uid = randomBytes(16).toString('hex');
      for (const [scope, data] of [
        [NOTES, { identifier: NOTES, keyRotationSecret: randomBytes(32).toString('hex'), keyRotationTimestamp: 1_700_000_123_456 }],
        [OLDSYNC_SCOPE, { identifier: OLDSYNC_SCOPE, keyRotationSecret: '00'.repeat(32), keyRotationTimestamp: 1_600_000_000_000 }],
      ] as const) {
        assert.deepEqual(await deriveScopedKey(u8(kB), uid, scope, data), referenceDeriveScopedKey({ kB, uid, scope, ...data }));
      }
    }
  });

  test("keys_jwe to an app's keys_jwk opens with the app's private key", async () => {
    const kB = randomBytes(32);
    const uid = randomBytes(16).toString('hex');
    const scopeData = {
      [OLDSYNC_SCOPE]: { identifier: OLDSYNC_SCOPE, keyRotationSecret: '00'.repeat(32), keyRotationTimestamp: 1_650_000_000_000 },
      [NOTES]: { identifier: NOTES, keyRotationSecret: '00'.repeat(32), keyRotationTimestamp: 1_650_000_000_000 },
    };
    const { keysJwk, privateKey } = await createKeysJwk();
    const jwe = await scopedKeysJwe(u8(kB), uid, scopeData, keysJwk);
    assert.equal(JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString()).alg, 'ECDH-ES');
    const keys = await decryptKeysJwe(jwe, privateKey);
    for (const [scope, data] of Object.entries(scopeData)) {
      assert.deepEqual(keys[scope], referenceDeriveScopedKey({ kB, uid, scope, ...data }));
    }
    // Firefox's keys_jwk carries `ext` and `key_ops`; a private key or another curve is refused.
    const firefoxStyle = JSON.parse(Buffer.from(keysJwk, 'base64url').toString()) as Record<string, unknown>;
    const withExtras = Buffer.from(JSON.stringify({ ...firefoxStyle, ext: true, key_ops: [] })).toString('base64url');
    assert.ok(await scopedKeysJwe(u8(kB), uid, scopeData, withExtras));
    const withD = Buffer.from(JSON.stringify({ ...firefoxStyle, d: 'AAAA' })).toString('base64url');
    await assert.rejects(scopedKeysJwe(u8(kB), uid, scopeData, withD), /P-256 EC public key/);
    await assert.rejects(scopedKeysJwe(u8(kB), uid, scopeData, 'not base64 json'), /base64url/);
  });
});
