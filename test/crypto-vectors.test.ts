import assert from 'node:assert/strict';
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { authenticator, totp } from 'otplib';
import type { KeyEncodings } from 'otplib/core.js';
import {
  BundleMacError,
  MUST_RESET_AUTH_SALT,
  UNBLOCK_CODE_ALPHABET,
  bundle,
  bundleAccountKeys,
  constantTimeEqual,
  deriveFromStretched,
  deriveToken,
  emailOtp,
  hashUnblockCode,
  hkdf,
  isMustResetAuthSalt,
  kw,
  makeClientSaltV2,
  quickStretchV1,
  quickStretchV2,
  scryptAsync,
  stretchAuthPW,
  unblockCode,
  unbundle,
  unbundleAccountKeys,
  verifyEmailOtp,
  wrapWrapKb,
  xor,
  type StretchedPassword,
} from '../src/crypto/index.js';
import {
  ClientError,
  HttpClient,
  createRecoveryData,
  decryptRecoveryData,
  encryptRecoveryData,
  formatRecoveryKey,
  hawkHeader,
  openRecoveryData,
  parseRecoveryKey,
  randomRecoveryKey,
  recoveryEncKey,
  recoveryKeyId,
} from '../src/client/index.js';

const h = (hex: string): Buffer => Buffer.from(hex, 'hex');
const hex = (bytes: Buffer): string => bytes.toString('hex');
const rangeBytes = (from: number, to: number): Buffer => Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i));

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= compute());
}

// §11.1 inputs, shared by §11.3 and §11.5.
const EMAIL = 'andré@example.org';
const PASSWORD = 'pässwörd';
const SALT_V2_AUTH_CLIENT = 'identity.mozilla.com/picl/v1/quickStretchV2:0123456789abcdef0123456789abcdef';
const SALT_V2_PYFXA = 'identity.mozilla.com/picl/v1/quickStretchV2:c2dc400c9cc1a93dd3cd3af1b05ebd60';
const stretchV1 = once(() => quickStretchV1(EMAIL, PASSWORD));
const stretchV2 = once(() => quickStretchV2(PASSWORD, SALT_V2_AUTH_CLIENT));

const KEY_FETCH_TOKEN = '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f';
const SESSION_TOKEN = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf';

describe('§11.1 client-side stretching', () => {
  test('the vector inputs are the documented UTF-8 bytes', () => {
    assert.equal(hex(Buffer.from(EMAIL, 'utf8')), '616e6472c3a9406578616d706c652e6f7267');
    assert.equal(hex(Buffer.from(PASSWORD, 'utf8')), '70c3a4737377c3b67264');
  });

  test('v1 quickStretch', async () => {
    const qs1 = pbkdf2Sync(PASSWORD, `identity.mozilla.com/picl/v1/quickStretch:${EMAIL}`, 1000, 32, 'sha256');
    assert.equal(hex(qs1), 'e4e8889bd8bd61ad6de6b95c059d56e7b50dacdaf62bd84644af7e2add84345d');
    const { authPW, unwrapBKey } = await stretchV1();
    assert.equal(hex(authPW), '247b675ffb4c46310bc87e26d712153abe5e1c90ef00a4784594f97ef54f2375');
    assert.equal(hex(unwrapBKey), 'de6a2648b78284fcb9ffa81ba95803309cfba7af583c01a8a1a63e567234dd28');
  });

  test('v2 with the fxa-auth-client salt', async () => {
    const { authPW, unwrapBKey } = await stretchV2();
    assert.equal(hex(authPW), 'd278c764bd1852a14bfc4e9d8c1682b4f1a57edb9a9372bf8c370cc41592155b');
    assert.equal(hex(unwrapBKey), '616616095eff30032abf6a47df30d9a3fc799d8af5e8519905c1601170553493');
  });

  test('v2 with the PyFxA salt', async () => {
    const qs2 = pbkdf2Sync(PASSWORD, SALT_V2_PYFXA, 650000, 32, 'sha256');
    assert.equal(hex(qs2), 'b38b6a81c851c34343899bb1c64bd179cdddea840260849444b0b91b413a80de');
    const { authPW, unwrapBKey } = await quickStretchV2(PASSWORD, SALT_V2_PYFXA);
    assert.equal(hex(authPW), '28c81379c31905d16f9aa9c63fcf0950094e413e16a9c9be41f52dbb09af518e');
    assert.equal(hex(unwrapBKey), 'e1c1f362437c8977e2ad8372cafcaf873df7dce30ae351bcd262af05e84caa92');
  });

  test('makeClientSaltV2 is the V2 prefix plus 32 lowercase hex characters', () => {
    assert.equal(makeClientSaltV2(h('0123456789abcdef0123456789abcdef')), SALT_V2_AUTH_CLIENT);
    assert.match(makeClientSaltV2(), /^identity\.mozilla\.com\/picl\/v1\/quickStretchV2:[0-9a-f]{32}$/);
    assert.throws(() => makeClientSaltV2(Buffer.alloc(15)), RangeError);
  });
});

describe('§11.2 HKDF', () => {
  test('RFC 5869 A.1 basic case', () => {
    const okm = hkdf(Buffer.alloc(22, 0x0b), rangeBytes(0xf0, 0xf9), 42, rangeBytes(0x00, 0x0c));
    assert.equal(hex(okm), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  test('RFC 5869 A.2 longer inputs and outputs', () => {
    const okm = hkdf(rangeBytes(0x00, 0x4f), rangeBytes(0xb0, 0xff), 82, rangeBytes(0x60, 0xaf));
    assert.equal(
      hex(okm),
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09' +
        'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
    );
  });

  test('RFC 5869 A.3 zero-length salt and info', () => {
    const okm = hkdf(Buffer.alloc(22, 0x0b), Buffer.alloc(0), 42);
    assert.equal(hex(okm), '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
    assert.deepEqual(okm, hkdf(Buffer.alloc(22, 0x0b), '', 42, Buffer.alloc(32)), 'empty salt = 32 zero bytes');
  });

  test('FxA account/keys derivation', () => {
    const okm = hkdf(h('ba0a107dab60f3b065ff7a642d14fe824fbd71bc5c99087e9e172a1abd1634f1'), kw('account/keys'), 96);
    assert.equal(hex(okm.subarray(0, 32)), '17ab463653a94c9a6419b48781930edefe500395e3b4e7879a2be15999757022');
  });

  test('kw prefixes the onepw namespace', () => {
    assert.equal(kw('authPW').toString(), 'identity.mozilla.com/picl/v1/authPW');
  });
});

describe('§11.3 server-side verifier', () => {
  const AUTH_SALT = Buffer.concat([h('00f0'), Buffer.alloc(30)]);
  const KB = h('a095c51c1c6e384e8d5777d97e3c487a4fc2128a00ab395a73d57fedf41631f0');
  const bigStretchedV1 = once(async () => scryptAsync((await stretchV1()).authPW, AUTH_SALT));

  test('published scrypt vector', async () => {
    const password = h('f84913e3d8e6d624689d0a3e9678ac8dcc79d2c2f3d9641488cd9d6ef6cd83dd');
    const out = await scryptAsync(password, Buffer.from('identity.mozilla.com/picl/v1/scrypt', 'ascii'));
    assert.equal(hex(out), '5b82f146a64126923e4167a0350bb181feba61f63cb1714012b19cb0be0119c5');
  });

  test('onepw chain, spec convention (raw scrypt bytes as IKM)', async () => {
    const stretched = await bigStretchedV1();
    assert.equal(hex(stretched), '441509e25c92ee103d5a1a874e6f155df25a44d06e61c894616c9e85181dba97');
    assert.equal(hex(hkdf(stretched, kw('verifyHash'), 32)), 'a4765bf103dc057f4cf4bc2c131ddb6716e8a4333cc55e1d3c449f31f0eec4f1');
    assert.equal(hex(hkdf(stretched, kw('wrapwrapKey'), 32)), '3ebea117efa9faf57ce195899b2905058368e7760cc26ea58a2a1be0da7fb287');
  });

  test('onepw chain, Mozilla-server convention (hex string as IKM)', async () => {
    const stretched = await stretchAuthPW((await stretchV1()).authPW, AUTH_SALT, 1);
    assert.deepEqual(stretched, await bigStretchedV1());
    const { verifyHash, wrapwrapKey } = deriveFromStretched(stretched, 1);
    assert.equal(hex(verifyHash), '35307c883460cf869144774461be1794914d9d9c35c0a82bca48733bec367e20');
    assert.equal(hex(wrapwrapKey), 'ae5226f7c3923afada2396df93d66b37def0131a3651975ec8f6c83808796418');
    const wrapKb = xor(KB, (await stretchV1()).unwrapBKey);
    assert.equal(hex(wrapKb), '7effe354abecbcb234a8dfc2d7644b4ad339b525589738f2d27341bb8622ecd8');
    const wrapped = wrapWrapKb(wrapKb, wrapwrapKey);
    assert.equal(hex(wrapped), 'd0adc5a3687e8648ee8b491d44b2207d0dc9a63f6ec6afac1a8589838e5b88c0');
    assert.deepEqual(wrapWrapKb(wrapped, wrapwrapKey), wrapKb, 'unwrapping is the same XOR');
  });

  test('v2 row, Mozilla-server convention', async () => {
    const v2: StretchedPassword = await stretchV2();
    const stretched = await stretchAuthPW(v2.authPW, AUTH_SALT, 1);
    assert.equal(hex(stretched), '5dcb13141f79e7d53e132fcc95ee080186f2ce63665fb4db39a08b920202c288');
    const { verifyHash, wrapwrapKey } = deriveFromStretched(stretched, 1);
    assert.equal(hex(verifyHash), '86cf26ec901d65ee51d82a0a032bf35c60b2e5ebec54d4c4053603712aa225e8');
    const wrapKbVersion2 = xor(KB, v2.unwrapBKey);
    assert.equal(hex(wrapKbVersion2), 'c1f3d3154291084da7e81d9ea10c91d9b3bb8f00f54368c376141ffc84430563');
    assert.equal(hex(wrapWrapKb(wrapKbVersion2, wrapwrapKey)), '7688cb62b593880ebcf021ea98817e62042be553c2f93737843f5b46bc07e52c');
  });

  test('verifier version 0 stretches by XOR and uses the raw bytes as IKM', async () => {
    const { authPW } = await stretchV1();
    const stretched = await stretchAuthPW(authPW, AUTH_SALT, 0, () => assert.fail('v0 must not run scrypt'));
    assert.deepEqual(stretched, xor(authPW, AUTH_SALT));
    assert.deepEqual(deriveFromStretched(stretched, 0), {
      verifyHash: hkdf(stretched, kw('verifyHash'), 32),
      wrapwrapKey: hkdf(stretched, kw('wrapwrapKey'), 32),
    });
  });

  test('stretchAuthPW uses an injected scrypt for version 1', async () => {
    const pooled = async (password: Buffer, salt: Buffer) => xor(password, salt);
    assert.deepEqual(await stretchAuthPW(Buffer.alloc(32, 1), Buffer.alloc(32, 2), 1, pooled), Buffer.alloc(32, 3));
  });

  test('must-reset marker is 32×0xff', () => {
    assert.deepEqual(MUST_RESET_AUTH_SALT, Buffer.alloc(32, 0xff));
    assert.equal(isMustResetAuthSalt(Buffer.alloc(32, 0xff)), true);
    assert.equal(isMustResetAuthSalt(AUTH_SALT), false);
  });
});

describe('§11.4 token derivation', () => {
  const rows = [
    {
      kind: 'sessionToken',
      tokenData: SESSION_TOKEN,
      id: 'c0a29dcf46174973da1378696e4c82ae10f723cf4f4d9f75e39f4ae3851595ab',
      authKey: '9d8f22998ee7f5798b887042466b72d53e56ab0c094388bf65831f702d2febc0',
      bundleKey: '37e3fceb754cb57362a8bd60a2f2344a7c285d17ddb2b57733640ce6d1b6a7a8',
    },
    {
      kind: 'keyFetchToken',
      tokenData: KEY_FETCH_TOKEN,
      id: '3d0a7c02a15a62a2882f76e39b6494b500c022a8816e048625a495718998ba60',
      authKey: '87b8937f61d38d0e29cd2d5600b3f4da0aa48ac41de36a0efe84bb4a9872ceb7',
      bundleKey: '14f338a9e8c6324d9e102d4e6ee83b209796d5c74bb734a410e729e014a4a546',
    },
    {
      kind: 'accountResetToken',
      tokenData: 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf',
      id: '46ec557e56e531a058620e9344ca9c75afac0d0bcbdd6f8c3c2f36055d9540cf',
      authKey: '716ebc28f5122ef48670a48209190a1605263c3188dfe45256265929d1c45e48',
      bundleKey: 'aa5906d2318c6e54ecebfa52f10df4c036165c230cc78ee859f546c66ea3c126',
    },
    {
      kind: 'passwordForgotToken',
      tokenData: hex(rangeBytes(0xe0, 0xff)),
      id: '38dfd4b5538ba183804693ad49a25714a322fa007cce0c617dc90d1f509c555c',
      authKey: '6f273c9f0e9b452d21f42a7e4fff3bfa46faff4dd340163136dfc5c2c4d160c3',
      bundleKey: 'd7c7c13d9478a24febee705a6d62a22b14e701797443bad65397ca8ae20acd21',
    },
  ] as const;

  for (const row of rows) {
    test(row.kind, () => {
      const { tokenId, authKey, bundleKey } = deriveToken(row.kind, h(row.tokenData));
      assert.equal(hex(tokenId), row.id);
      assert.equal(hex(authKey), row.authKey);
      assert.equal(hex(bundleKey), row.bundleKey);
    });
  }
});

describe('§11.5 /account/keys bundles', () => {
  const KA = h('202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f');
  const { bundleKey } = deriveToken('keyFetchToken', h(KEY_FETCH_TOKEN));

  test('server vector', () => {
    const wrapKb = h('404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f');
    assert.equal(
      hex(bundleAccountKeys(bundleKey, KA, wrapKb)),
      'ee5c58845c7c9412b11bbd20920c2fddd83c33c9cd2c2de2d66b222613364636c2c0f8cfbb7c630472c0bd88451342c6' +
        'c05b14ce342c5ad46ad89e84464c993c3927d30230157d0817a077eef4b20d976f7a97363faf3f064c003ada7d01aa70',
    );
  });

  test('client vector 1', () => {
    const clientBundleKey = h('ba0a107dab60f3b065ff7a642d14fe824fbd71bc5c99087e9e172a1abd1634f1');
    const bundled = h(
      'e47eb17e487eb4495e79846d5e0c16ea51ef51ff5ef59cd8f626f95f572ec64dcc7b97fcbc0d0ece0cc93dbe6ac84974' +
        '066830280ccacf5de13a8460524238cf543edfc5027aabeddc107e9fd429a25ce6f5d94917f2a6435380ee5f11353814',
    );
    const { kA, wrapKb } = unbundleAccountKeys(clientBundleKey, bundled);
    assert.equal(hex(kA), '61a0a7bd69f4a62d5a1f0f94e9a0ed86b358b1c3d67c98a352ad72da1b434da6');
    assert.equal(hex(wrapKb), 'f69a971df9c763a7c798a739404be60c8119a56c59bbae1e5d32a63efa26754a');
  });

  test('end to end: bundle, unbundle, unwrap kB', async () => {
    const wrapKb = h('7effe354abecbcb234a8dfc2d7644b4ad339b525589738f2d27341bb8622ecd8');
    const bundled = bundleAccountKeys(bundleKey, KA, wrapKb);
    assert.equal(
      hex(bundled),
      'ee5c58845c7c9412b11bbd20920c2fddd83c33c9cd2c2de2d66b222613364636fc7e59d854d599f10e212801de3a47c3' +
        '4333f3b838ee3471e0f285649c332bbb4c17f42a0b319bbba327d2b326ad23e937219b4de32e3ec7b3e3f740522ad6ef',
    );
    const keys = unbundleAccountKeys(bundleKey, bundled);
    assert.deepEqual(keys.kA, KA);
    assert.equal(
      hex(xor(keys.wrapKb, (await stretchV1()).unwrapBKey)),
      'a095c51c1c6e384e8d5777d97e3c487a4fc2128a00ab395a73d57fedf41631f0',
    );
  });
});

describe('bundle MAC checks', () => {
  const bundleKey = Buffer.alloc(32, 7);
  const plaintext = Buffer.from('a plaintext longer than one HMAC block, to exercise long xor keys: '.repeat(3));
  const bundled = bundle(bundleKey, 'some/info', plaintext);

  test('round trip for any length', () => {
    assert.deepEqual(unbundle(bundleKey, 'some/info', bundled), plaintext);
    assert.deepEqual(unbundle(bundleKey, 'x', bundle(bundleKey, 'x', Buffer.alloc(0))), Buffer.alloc(0));
  });

  const tampered: Array<[string, () => Buffer]> = [
    ['a flipped ciphertext bit', () => unbundle(bundleKey, 'some/info', flipBit(bundled, 0))],
    ['a flipped MAC bit', () => unbundle(bundleKey, 'some/info', flipBit(bundled, bundled.length - 1))],
    ['a wrong key', () => unbundle(Buffer.alloc(32, 8), 'some/info', bundled)],
    ['a wrong keyInfo', () => unbundle(bundleKey, 'other/info', bundled)],
    ['a bundle shorter than its MAC', () => unbundle(bundleKey, 'some/info', bundled.subarray(0, 31))],
  ];
  for (const [what, run] of tampered) {
    test(`rejects ${what} with BundleMacError`, () => assert.throws(run, BundleMacError));
  }

  function flipBit(bytes: Buffer, index: number): Buffer {
    const copy = Buffer.from(bytes);
    copy[index] = copy[index]! ^ 1;
    return copy;
  }
});

describe('xor and constantTimeEqual', () => {
  test('xor of equal-length buffers', () => {
    assert.deepEqual(xor(h('00ff0f'), h('0f0fff')), h('0ff0f0'));
    assert.deepEqual(xor(h(''), h('')), h(''));
  });

  test('xor refuses different lengths', () => {
    assert.throws(() => xor(h('00'), h('0000')), RangeError);
  });

  test('constantTimeEqual treats a length mismatch as unequal', () => {
    assert.equal(constantTimeEqual(h('0102'), h('0102')), true);
    assert.equal(constantTimeEqual(h('0102'), h('0103')), false);
    assert.equal(constantTimeEqual(h('0102'), h('010200')), false);
  });
});

describe('§11.6 Hawk', () => {
  interface HawkServer {
    authenticate(
      request: { method: string; url: string; host: string; port: number; authorization: string; contentType?: string },
      credentials: (id: string) => Promise<{ key: Buffer; algorithm: 'sha256' }>,
      options: { localtimeOffsetMsec: number; payload?: string },
    ): Promise<{ artifacts: { id: string; mac: string } }>;
  }
  const hawkServer = (createRequire(import.meta.url)('hawk') as { server: HawkServer }).server;

  /** Checks a header with the hawk package's own server-side code, pinned to the header's timestamp. */
  async function serverAccepts(
    header: string,
    request: { method: string; url: string; key: Buffer; payload?: string; contentType?: string },
  ): Promise<void> {
    const url = new URL(request.url);
    const ts = Number(attribute(header, 'ts'));
    const { artifacts } = await hawkServer.authenticate(
      {
        method: request.method,
        url: url.pathname + url.search,
        host: url.hostname,
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        authorization: header,
        contentType: request.contentType,
      },
      async () => ({ key: request.key, algorithm: 'sha256' }),
      { localtimeOffsetMsec: ts * 1000 - Date.now(), payload: request.payload },
    );
    assert.equal(artifacts.mac, attribute(header, 'mac'));
  }

  test('Hawk test suite POST', async () => {
    const request = {
      url: 'https://example.net/somewhere/over/the/rainbow',
      method: 'POST',
      key: Buffer.from('2983d45yun89q', 'ascii'),
      payload: 'something to write about',
      contentType: 'text/plain',
    };
    const header = hawkHeader({ ...request, id: '123456', timestamp: 1353809207, nonce: 'Ygvqdz' });
    assert.equal(attribute(header, 'hash'), '2QfCt3GuY9HQnHWyWD3wX68ZOKbynqlfYmuO2ZBRqtY=');
    assert.equal(attribute(header, 'mac'), 'HTgtd0jPI6E4izx8e4OHdO36q00xFCU0FolNq3RiCYs=');
    await serverAccepts(header, request);
  });

  const specRequest = {
    url: 'http://example.com:8000/resource/1?b=1&a=2',
    key: Buffer.from('werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn', 'ascii'),
    id: 'dh37fgj492je',
    timestamp: 1353832234,
    nonce: 'j4h3g2',
    ext: 'some-app-ext-data',
  };

  test('Hawk spec GET without payload hash', async () => {
    const header = hawkHeader({ ...specRequest, method: 'GET' });
    assert.equal(attribute(header, 'hash'), undefined);
    assert.equal(attribute(header, 'ext'), 'some-app-ext-data');
    assert.equal(attribute(header, 'mac'), '6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE=');
    await serverAccepts(header, { ...specRequest, method: 'GET' });
  });

  test('Hawk spec POST with payload', async () => {
    const request = { ...specRequest, method: 'POST', payload: 'Thank you for flying Hawk', contentType: 'text/plain' };
    const header = hawkHeader(request);
    assert.equal(attribute(header, 'hash'), 'Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=');
    assert.equal(attribute(header, 'mac'), 'aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=');
    await serverAccepts(header, request);
  });

  describe('FxA requests signed with a sessionToken', () => {
    const { tokenId, authKey } = deriveToken('sessionToken', h(SESSION_TOKEN));
    const fxa = { id: hex(tokenId), key: authKey, timestamp: 1700000000, nonce: 'abc123' };
    const origin = 'https://api.accounts.example.com';
    const deviceBody = '{"name":"My Phone","type":"mobile"}';

    test('POST /v1/account/device with a JSON body', async () => {
      const request = {
        url: `${origin}/v1/account/device`,
        method: 'POST',
        key: authKey,
        payload: deviceBody,
        contentType: 'application/json',
      };
      const header = hawkHeader({ ...fxa, ...request });
      assert.equal(attribute(header, 'id'), 'c0a29dcf46174973da1378696e4c82ae10f723cf4f4d9f75e39f4ae3851595ab');
      assert.equal(attribute(header, 'hash'), 'UN1jjerCvOGXIVqC/aovlINNM+cei9Q32CJ13LrrzVo=');
      assert.equal(attribute(header, 'mac'), '4RAnIYdzyAg2pmDY7LyV0qPceuTkSUlZua5UGdqvJGo=');
      await serverAccepts(header, request);
    });

    test('GET /v1/account/devices without a hash', async () => {
      const header = hawkHeader({ ...fxa, url: `${origin}/v1/account/devices`, method: 'GET' });
      assert.equal(attribute(header, 'mac'), 'axKGAt3Z+bTbfztsg6/WyCZAcSCExyOzL6KmCF1bO5g=');
    });

    test('GET /v1/account/devices with the empty-payload hash', async () => {
      const request = { url: `${origin}/v1/account/devices`, method: 'GET', key: authKey, payload: '', contentType: '' };
      const header = hawkHeader({ ...fxa, ...request });
      assert.equal(attribute(header, 'hash'), 'B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8=');
      assert.equal(attribute(header, 'mac'), 'j2Aanltp1+9rXo6OUDlu6lUAXapx4dp3ajG8Om4bQJw=');
      await serverAccepts(header, request);
    });

    test('HttpClient signs the body it sends exactly like the vector', async () => {
      const recorder = recordingFetch([{ status: 200, body: '{}' }]);
      const http = new HttpClient(`${origin}/v1`, { fetch: recorder.fetch, now: () => 1700000000_000 });
      await http.request('POST', '/account/device', {
        token: { kind: 'sessionToken', tokenData: SESSION_TOKEN },
        body: { name: 'My Phone', type: 'mobile' },
        hawk: { nonce: 'abc123' },
      });
      const [sent] = recorder.requests;
      assert.equal(sent?.url, `${origin}/v1/account/device`);
      assert.equal(sent?.body, deviceBody);
      assert.equal(sent?.headers.get('content-type'), 'application/json');
      const authorization = sent?.headers.get('authorization') ?? '';
      assert.equal(attribute(authorization, 'ts'), '1700000000');
      assert.equal(attribute(authorization, 'mac'), '4RAnIYdzyAg2pmDY7LyV0qPceuTkSUlZua5UGdqvJGo=');
    });

    test('HttpClient sends Bearer token ids when asked', async () => {
      const recorder = recordingFetch([{ status: 200, body: '{"state":"verified"}' }]);
      const http = new HttpClient(`${origin}/v1`, { fetch: recorder.fetch, auth: 'bearer' });
      assert.deepEqual(await http.request('GET', '/session/status', { token: { kind: 'sessionToken', tokenData: SESSION_TOKEN } }), {
        state: 'verified',
      });
      assert.equal(
        recorder.requests[0]?.headers.get('authorization'),
        'Bearer fxs_c0a29dcf46174973da1378696e4c82ae10f723cf4f4d9f75e39f4ae3851595ab',
      );
    });

    test('HttpClient re-syncs its clock and retries once on errno 111', async () => {
      const stale = { status: 401, body: '{"code":401,"errno":111,"error":"Unauthorized","serverTime":1700000500}' };
      const recorder = recordingFetch([stale, { status: 200, body: '{}' }]);
      const http = new HttpClient(`${origin}/v1`, { fetch: recorder.fetch, now: () => 1700000000_000 });
      await http.request('GET', '/account/devices', { token: { kind: 'sessionToken', tokenData: SESSION_TOKEN } });
      const timestamps = recorder.requests.map((r) => attribute(r.headers.get('authorization') ?? '', 'ts'));
      assert.deepEqual(timestamps, ['1700000000', '1700000500']);
      assert.equal(http.clockOffsetMs, 500_000);
    });

    test('HttpClient does not retry a deliberately stale timestamp and reports the error', async () => {
      const stale = { status: 401, body: '{"code":401,"errno":111,"serverTime":1700000500}', headers: { timestamp: '1700000500' } };
      const recorder = recordingFetch([stale]);
      const http = new HttpClient(`${origin}/v1`, { fetch: recorder.fetch, now: () => 1700000000_000 });
      const request = http.request('GET', '/account/devices', {
        token: { kind: 'sessionToken', tokenData: SESSION_TOKEN },
        hawk: { timestamp: 1 },
      });
      await assert.rejects(request, (err: unknown) => {
        assert.ok(err instanceof ClientError);
        assert.equal(err.status, 401);
        assert.equal(err.errno, 111);
        assert.equal(err.headers.timestamp, '1700000500');
        return true;
      });
      assert.equal(recorder.requests.length, 1);
    });
  });

  function attribute(header: string, name: string): string | undefined {
    return new RegExp(`[\\s,]${name}="([^"]*)"`).exec(header)?.[1];
  }

  interface CannedResponse {
    status: number;
    body: string;
    headers?: Record<string, string>;
  }

  function recordingFetch(responses: CannedResponse[]) {
    const requests: Array<{ url: string; headers: Headers; body: string | undefined }> = [];
    const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      requests.push({ url: String(input), headers: new Headers(init?.headers), body: init?.body as string | undefined });
      const next = responses.shift() ?? assert.fail('unexpected extra request');
      return new Response(next.body, { status: next.status, headers: next.headers });
    };
    return { fetch: fetch as typeof globalThis.fetch, requests };
  }
});

describe('§11.7 recovery key', () => {
  const UID = h('aaaaabbbbbcccccdddddeeeeefffff00');
  const RECOVERY_KEY = h('00443214c74254b635cf84653a56d7c675be77df');
  const IV = h('eeddccbbaa99887766554433');
  const PLAINTEXT = '{"kB":"000000111111222222333333444444555555666666777777888888999999ABCD"}';
  const RECOVERY_DATA =
    'eyJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiZGlyIiwia2lkIjoiNmFhMjQ4OTMxNzA0ODg2ZjU0YWM2NGI4MWIxMTFiYzAifQ..7t3Mu6qZiHdmVUQz.' +
    'qoXWfU77FBV67Pyy_GXAkoSuAbksIqAXZd2tkq48iD3u_qWEEAeYx-M3m2G373zes3OXsSZdJIGRFmd8bC9s4ZvN3kF3A6vK5g.' +
    'yT7bkdF8AYC6ecwsvRCI7A';

  test('recoveryKeyId and encKey', () => {
    assert.equal(recoveryKeyId(RECOVERY_KEY, UID), '6aa248931704886f54ac64b81b111bc0');
    assert.equal(hex(recoveryEncKey(RECOVERY_KEY, UID)), '58c77394e516799304a06fa370828a2570b285ea7e461ed4d792830eeffe6d1a');
  });

  test('JWE encryption reproduces recoveryData', () => {
    const encKey = recoveryEncKey(RECOVERY_KEY, UID);
    const kid = recoveryKeyId(RECOVERY_KEY, UID);
    assert.equal(encryptRecoveryData(encKey, kid, Buffer.from(PLAINTEXT), IV), RECOVERY_DATA);
    const kB = '000000111111222222333333444444555555666666777777888888999999ABCD';
    assert.deepEqual(createRecoveryData(RECOVERY_KEY, UID, { kB }, IV), {
      recoveryKeyId: kid,
      recoveryData: RECOVERY_DATA,
    });
  });

  test('JWE decryption recovers the keys', () => {
    assert.equal(decryptRecoveryData(recoveryEncKey(RECOVERY_KEY, UID), RECOVERY_DATA).toString(), PLAINTEXT);
    assert.deepEqual(openRecoveryData(RECOVERY_KEY, UID, RECOVERY_DATA), JSON.parse(PLAINTEXT));
  });

  test('decryption fails with another key, uid or a tampered JWE', () => {
    const otherKey = randomRecoveryKey();
    assert.throws(() => openRecoveryData(otherKey, UID, RECOVERY_DATA));
    assert.throws(() => openRecoveryData(RECOVERY_KEY, h('aaaaabbbbbcccccdddddeeeeefffff01'), RECOVERY_DATA));
    const [header, , iv, ciphertext, tag] = RECOVERY_DATA.split('.');
    const tamperedTag = `${tag!.slice(0, -2)}${tag!.endsWith('AA') ? 'AB' : 'AA'}`;
    assert.throws(() => openRecoveryData(RECOVERY_KEY, UID, [header, '', iv, ciphertext, tamperedTag].join('.')));
    assert.throws(() => openRecoveryData(RECOVERY_KEY, UID, [header, 'x', iv, ciphertext, tag].join('.')));
  });

  test('random keys display as 32 Crockford characters starting with A, and parse back', () => {
    const recoveryKey = randomRecoveryKey();
    const text = formatRecoveryKey(recoveryKey);
    assert.match(text, /^A[0-9A-HJKMNP-TV-Z]{31}$/);
    assert.deepEqual(parseRecoveryKey(text.toLowerCase().replace(/(.{4})/g, '$1 ')), recoveryKey);
    assert.throws(() => parseRecoveryKey('U'.repeat(32)));
  });
});

describe('§11.8 TOTP and unblock codes', () => {
  const rfc6238 = [
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ] as const;

  for (const [seconds, code] of rfc6238) {
    test(`RFC 6238 SHA-1 at T=${seconds}`, () => {
      const ascii = totp.clone({ epoch: seconds * 1000, encoding: 'ascii' as KeyEncodings.ASCII });
      assert.equal(ascii.generate('12345678901234567890'), code);
      const base32 = authenticator.clone({ epoch: seconds * 1000 });
      assert.equal(base32.generate('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), code);
    });
  }

  test('RFC 6238 8-digit code at T=59', () => {
    const eightDigits = totp.clone({ epoch: 59_000, digits: 8, encoding: 'ascii' as KeyEncodings.ASCII });
    assert.equal(eightDigits.generate('12345678901234567890'), '94287082');
  });

  test('unblock code hash', () => {
    assert.equal(
      hex(hashUnblockCode(h('aaaaabbbbbcccccdddddeeeeefffff00'), 'ABCD1234')),
      '6506a68421f702b3fa6d67a669efc6d6291ba0a85ee7b8788e1f2e843a265752',
    );
    assert.deepEqual(
      hashUnblockCode(h('aaaaabbbbbcccccdddddeeeeefffff00'), 'abcd1234'),
      hashUnblockCode(h('aaaaabbbbbcccccdddddeeeeefffff00'), 'ABCD1234'),
      'typed codes are upper-cased',
    );
  });
});

describe('unblock codes', () => {
  test('each character is floor(u32 / 2^32 · 32) of 4 injected bytes', () => {
    const indexes = [0, 1, 9, 10, 17, 18, 30, 31];
    const bytes = Buffer.alloc(32);
    // The top 5 bits pick the symbol; the low bits must not matter.
    indexes.forEach((index, i) => bytes.writeUInt32BE(((index << 27) | 0x07ffffff) >>> 0, 4 * i));
    const requested: number[] = [];
    const code = unblockCode((n) => {
      requested.push(n);
      return bytes;
    });
    assert.deepEqual(requested, [32]);
    assert.equal(code, indexes.map((index) => UNBLOCK_CODE_ALPHABET[index]).join(''));
    assert.equal(code, '019AHJYZ');
  });

  test('default source gives 8 symbols of the alphabet', () => {
    for (let i = 0; i < 20; i++) assert.match(unblockCode(), /^[0-9A-HJKMNP-TV-Z]{8}$/);
  });
});

describe('email OTP', () => {
  const EMAIL_CODE = h('0123456789abcdef0123456789abcdef');
  const STEP_MS = 600_000;
  const NOW = 1_700_000_123_456;

  /** Independent RFC 4226 HOTP over the raw key bytes. */
  function referenceHotp(key: Buffer, counter: number): string {
    const message = Buffer.alloc(8);
    message.writeBigUInt64BE(BigInt(counter));
    const digest = createHmac('sha1', key).update(message).digest();
    const offset = digest[19]! & 0x0f;
    return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
  }

  test('RFC 4226 appendix D values with a 600 s step', () => {
    const rfcKey = Buffer.from('12345678901234567890', 'ascii');
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => assert.equal(emailOtp(rfcKey, counter * STEP_MS), code));
  });

  test('uses the 16 emailCode bytes as the key, unpadded', () => {
    assert.equal(emailOtp(EMAIL_CODE, NOW), referenceHotp(EMAIL_CODE, Math.floor(NOW / STEP_MS)));
  });

  test('accepts the previous, current and next window', () => {
    for (const shift of [-1, 0, 1]) {
      assert.equal(verifyEmailOtp(EMAIL_CODE, emailOtp(EMAIL_CODE, NOW + shift * STEP_MS), NOW), true, `shift ${shift}`);
    }
  });

  test('rejects codes two or more windows away', () => {
    const current = emailOtp(EMAIL_CODE, NOW);
    for (const shift of [-3, -2, 2, 3]) {
      const code = emailOtp(EMAIL_CODE, NOW + shift * STEP_MS);
      assert.notEqual(code, current);
      assert.equal(verifyEmailOtp(EMAIL_CODE, code, NOW), false, `shift ${shift}`);
    }
  });

  test('rejects malformed codes and other emailCodes', () => {
    const current = emailOtp(EMAIL_CODE, NOW);
    assert.equal(verifyEmailOtp(EMAIL_CODE, current.slice(0, 5), NOW), false);
    assert.equal(verifyEmailOtp(EMAIL_CODE, `${current}0`, NOW), false);
    assert.equal(verifyEmailOtp(EMAIL_CODE, '', NOW), false);
    assert.equal(verifyEmailOtp(Buffer.alloc(16), current, NOW), emailOtp(Buffer.alloc(16), NOW) === current);
  });
});
