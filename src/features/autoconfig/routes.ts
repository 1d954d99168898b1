// `/.well-known/fxa-client-configuration`: the document Firefox fetches from the root in its
// `identity.fxaccounts.autoconfig.uri` pref before every sign-in, to learn where the auth,
// OAuth, profile, pairing and Sync token servers are (FIREFOX.md §1.2). Firefox appends `/v1`
// to the auth, OAuth and profile URLs and `/1.0/sync/1.5` to the tokenserver URL itself, so
// the document carries the bases without them, as Mozilla's content server sends it
// (fxa-content-server get-fxa-client-configuration.js).

import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PROFILE_PREFIX } from '../profile/routes.js';

/** Mozilla's lifetime for the document (one day); Firefox does not cache it anyway. */
export const CLIENT_CONFIGURATION_MAX_AGE_SECONDS = 86400;

export const CLIENT_CONFIGURATION_PATH = '/.well-known/fxa-client-configuration';

export const clientConfigurationResponse = Type.Object({
  auth_server_base_url: Type.String(),
  oauth_server_base_url: Type.String(),
  profile_server_base_url: Type.String(),
  sync_tokenserver_base_url: Type.String(),
  // `uri`, not `url`: the name Firefox reads (and Mozilla sends).
  pairing_server_base_uri: Type.Optional(Type.String()),
});

export interface ClientConfigurationSettings {
  /** PUBLIC_URL: the auth API is at `/v1` of it, the OAuth endpoints too, the profile API at `/profile/v1`. */
  publicUrl: string;
  /** SYNC_TOKENSERVER_URL: without `/1.0/sync/1.5`. */
  syncTokenserverUrl: string;
  /** PAIRING_SERVER_URL, or nothing: Firefox keeps its own default. */
  pairingServerUrl: string | undefined;
}

/** The base of a URL that ends in `/v1`, as Firefox wants it (it appends `/v1` itself). */
const withoutV1 = (path: string): string => path.replace(/\/v1$/, '');

export function clientConfiguration({ publicUrl, syncTokenserverUrl, pairingServerUrl }: ClientConfigurationSettings) {
  return {
    auth_server_base_url: publicUrl,
    // Firefox stores it but signs in through the auth server's /v1/oauth/* twins; our OAuth
    // endpoints (/v1/authorization, /v1/token…) share PUBLIC_URL/v1 anyway.
    oauth_server_base_url: publicUrl,
    profile_server_base_url: `${publicUrl}${withoutV1(PROFILE_PREFIX)}`,
    sync_tokenserver_base_url: syncTokenserverUrl,
    ...(pairingServerUrl ? { pairing_server_base_uri: pairingServerUrl } : {}),
  };
}

/** GET /.well-known/fxa-client-configuration (root, not /v1). */
export function registerClientConfiguration(server: FastifyInstance, settings: ClientConfigurationSettings): void {
  const document = clientConfiguration(settings);
  server.get(
    CLIENT_CONFIGURATION_PATH,
    {
      schema: {
        tags: ['Autoconfig'],
        summary: 'Firefox Accounts client configuration',
        description: `Where Firefox (pref identity.fxaccounts.autoconfig.uri) finds the auth, OAuth, profile, pairing and Sync token servers. Cacheable for ${CLIENT_CONFIGURATION_MAX_AGE_SECONDS} s.`,
        response: { 200: clientConfigurationResponse },
      },
    },
    async (_request, reply) =>
      reply
        .header('cache-control', `public, max-age=${CLIENT_CONFIGURATION_MAX_AGE_SECONDS}`)
        // Public metadata, readable from any page (like the OpenID configuration next to it).
        .header('access-control-allow-origin', '*')
        .send(document),
  );
}
