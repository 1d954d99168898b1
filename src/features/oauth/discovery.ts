// OpenID Connect discovery (OpenID Connect Discovery 1.0 §4) and the same document as RFC 8414
// authorization-server metadata: where a relying party finds our endpoints and what they do.
// Mozilla serves the document from its content server (fxa-content-server
// get-openid-configuration.js: the endpoints plus its `openid_configuration` settings); we
// serve it from PUBLIC_URL, the `iss` of every token we sign, so `issuer` matches it exactly.

import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

/** Mozilla's (and Google's) lifetime for the document. */
export const DISCOVERY_MAX_AGE_SECONDS = 3600;

/** Where the profile API answers (the OIDC userinfo endpoint), under PUBLIC_URL. */
const USERINFO_PATH = '/profile/v1/profile';

/**
 * The claims of our id_tokens (tokens.ts signIdToken; Mozilla lists only aud, exp, iat, iss,
 * sub) and the standard ones the profile API answers with.
 */
const CLAIMS = ['aud', 'exp', 'iat', 'iss', 'sub', 'auth_time', 'at_hash', 'amr', 'acr', 'fxa-aal', 'email', 'locale'];

export const discoveryResponse = Type.Object({
  issuer: Type.String(),
  authorization_endpoint: Type.String(),
  token_endpoint: Type.String(),
  userinfo_endpoint: Type.String(),
  jwks_uri: Type.String(),
  introspection_endpoint: Type.String(),
  revocation_endpoint: Type.String(),
  response_types_supported: Type.Array(Type.String()),
  grant_types_supported: Type.Array(Type.String()),
  scopes_supported: Type.Array(Type.String()),
  subject_types_supported: Type.Array(Type.String()),
  id_token_signing_alg_values_supported: Type.Array(Type.String()),
  token_endpoint_auth_methods_supported: Type.Array(Type.String()),
  revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
  introspection_endpoint_auth_methods_supported: Type.Array(Type.String()),
  code_challenge_methods_supported: Type.Array(Type.String()),
  claims_supported: Type.Array(Type.String()),
});

export interface DiscoverySettings {
  /** PUBLIC_URL: the issuer, and the origin of the API. */
  publicUrl: string;
}

/** The discovery document: only what this server really does. */
export function discoveryDocument({ publicUrl }: DiscoverySettings) {
  const api = `${publicUrl}/v1`;
  return {
    issuer: publicUrl,
    // A URL a browser can always open: GET /v1/authorization forwards the query to the sign-in
    // pages at CONTENT_URL (wherever they are hosted) and refuses a `keys_jwk` there.
    authorization_endpoint: `${api}/authorization`,
    token_endpoint: `${api}/token`,
    userinfo_endpoint: `${publicUrl}${USERINFO_PATH}`,
    jwks_uri: `${api}/jwks`,
    introspection_endpoint: `${api}/introspect`,
    revocation_endpoint: `${api}/destroy`,
    // As Mozilla lists them; `token` is the legacy direct grant of canGrant clients.
    response_types_supported: ['code', 'token'],
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'fxa-credentials',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ],
    scopes_supported: ['openid', 'profile', 'email'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    // Mozilla lists only client_secret_post; /v1/token also takes Basic, and public clients
    // authenticate with PKCE alone.
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    // /v1/destroy takes the same optional client credentials; /v1/introspect asks for none.
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['none'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: CLAIMS,
  };
}

/** GET /.well-known/openid-configuration and /.well-known/oauth-authorization-server. */
export function registerDiscovery(server: FastifyInstance, settings: DiscoverySettings): void {
  const document = discoveryDocument(settings);
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    server.get(
      path,
      {
        schema: {
          tags: ['OAuth'],
          summary: 'OpenID Connect discovery / OAuth authorization-server metadata',
          description: `Endpoints and capabilities for relying parties. Cacheable for ${DISCOVERY_MAX_AGE_SECONDS} s.`,
          response: { 200: discoveryResponse },
        },
      },
      async (_request, reply) =>
        reply
          .header('cache-control', `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`)
          // Public metadata, readable by any web relying party (Mozilla: CORS origin *).
          .header('access-control-allow-origin', '*')
          .send(document),
    );
  }
}
