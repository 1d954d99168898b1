// GET /.well-known/fxa-client-configuration: what Firefox reads when its
// identity.fxaccounts.autoconfig.uri pref points here (FIREFOX.md §1.2), and how the URLs it
// derives from the document land on our routes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { clientConfiguration } from '../src/features/autoconfig/routes.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** What Firefox 153 makes of the document (FxAccountsConfig: `/v1` unless present, tokenserver path). */
function firefoxPrefs(document: Record<string, string>) {
  const v1 = (url: string) => (url.endsWith('/v1') ? url : `${url}/v1`);
  return {
    auth: v1(document.auth_server_base_url!),
    oauth: v1(document.oauth_server_base_url!),
    profile: v1(document.profile_server_base_url!),
    tokenserver: `${document.sync_tokenserver_base_url}/1.0/sync/1.5`,
  };
}

describe('GET /.well-known/fxa-client-configuration', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('the five keys Firefox reads, from PUBLIC_URL; cacheable for a day, readable cross-origin', async () => {
    const response = await fetch(`${server.origin}/.well-known/fxa-client-configuration`, {
      headers: { accept: 'application/json', origin: 'https://elsewhere.example' },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=86400');
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const document = (await response.json()) as Record<string, string>;
    assert.deepEqual(document, {
      auth_server_base_url: server.origin,
      oauth_server_base_url: server.origin,
      profile_server_base_url: `${server.origin}/profile`,
      // SYNC_TOKENSERVER_URL unset: a path on our origin for a reverse proxy, never Mozilla's.
      sync_tokenserver_base_url: `${server.origin}/token`,
    });
    assert.deepEqual(firefoxPrefs(document), {
      auth: server.url,
      oauth: server.url,
      profile: `${server.origin}/profile/v1`,
      tokenserver: `${server.origin}/token/1.0/sync/1.5`,
    });
  });

  test('the URLs Firefox derives reach our auth, OAuth and profile routes', async () => {
    const document = (await (await fetch(`${server.origin}/.well-known/fxa-client-configuration`)).json()) as Record<string, string>;
    const prefs = firefoxPrefs(document);
    assert.equal((await fetch(`${prefs.auth}/account/status?uid=${'0'.repeat(32)}`)).status, 200);
    assert.equal((await fetch(`${prefs.oauth}/jwks`)).status, 200);
    // The profile API answers (401 without a token), rather than 404.
    const profile = await fetch(`${prefs.profile}/profile`);
    assert.equal(profile.status, 401);
  });

  test('only at the root, GET only', async () => {
    assert.equal((await fetch(`${server.url}/.well-known/fxa-client-configuration`)).status, 404);
    const post = await fetch(`${server.origin}/.well-known/fxa-client-configuration`, { method: 'POST' });
    assert.ok(post.status === 404 || post.status === 405, String(post.status));
  });
});

describe('fxa-client-configuration settings', () => {
  test('SYNC_TOKENSERVER_URL and PAIRING_SERVER_URL, trailing slashes dropped', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://accounts.example.org/',
      SYNC_TOKENSERVER_URL: 'https://sync.example.org/token/',
      PAIRING_SERVER_URL: 'wss://pair.example.org/',
    });
    assert.deepEqual(clientConfiguration(config), {
      auth_server_base_url: 'https://accounts.example.org',
      oauth_server_base_url: 'https://accounts.example.org',
      profile_server_base_url: 'https://accounts.example.org/profile',
      sync_tokenserver_base_url: 'https://sync.example.org/token',
      pairing_server_base_uri: 'wss://pair.example.org',
    });
  });

  test('the tokenserver default follows PUBLIC_URL; bad URLs name their setting', () => {
    assert.equal(loadConfig({ PUBLIC_URL: 'https://a.example' }).syncTokenserverUrl, 'https://a.example/token');
    assert.equal(loadConfig({}).pairingServerUrl, undefined);
    assert.throws(() => loadConfig({ SYNC_TOKENSERVER_URL: 'ftp://x' }), /config SYNC_TOKENSERVER_URL: expected an http\(s\) URL/);
    assert.throws(() => loadConfig({ SYNC_TOKENSERVER_URL: 'https://x/?a=1' }), /config SYNC_TOKENSERVER_URL: expected no query/);
    assert.throws(
      () => loadConfig({ PAIRING_SERVER_URL: 'https://pair.example' }),
      /config PAIRING_SERVER_URL: expected a ws\(s\):\/\/ URL/,
    );
  });

  test('a configured tokenserver is served', async () => {
    const server = await startTestServer({
      env: { SYNC_TOKENSERVER_URL: 'https://sync.example.org', PAIRING_SERVER_URL: 'wss://pair.example.org' },
    });
    try {
      const document = (await (await fetch(`${server.origin}/.well-known/fxa-client-configuration`)).json()) as Record<
        string,
        string
      >;
      assert.equal(document.sync_tokenserver_base_url, 'https://sync.example.org');
      assert.equal(document.pairing_server_base_uri, 'wss://pair.example.org');
    } finally {
      await server.close();
    }
  });
});
