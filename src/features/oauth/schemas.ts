// Request and response schemas of the OAuth endpoints and their /oauth/* twins
// (swagger Model37–Model88), in one place so both route files agree.

import { Type } from '@sinclair/typebox';

const HEX = '^(?:[0-9a-fA-F]{2})+$';
const LOWER_HEX = '^(?:[0-9a-f]{2})+$';

export const clientId = Type.String({ pattern: LOWER_HEX, minLength: 16, maxLength: 16, description: 'OAuth client id (16 hex)' });
export const clientSecret = Type.String({ pattern: LOWER_HEX, minLength: 64, maxLength: 64 });
export const token64 = Type.String({ pattern: HEX, minLength: 64, maxLength: 64 });
/**
 * An opaque access token (64 hex) or a JWT access token: one pattern rather than a union, so
 * a JWT (the bigger, more frequent body at /verify) is matched once, without a failed branch.
 */
export const accessToken = Type.String({
  maxLength: 1024,
  pattern: '^(?:[0-9a-fA-F]{64}|[a-zA-Z0-9_-]+\\.[a-zA-Z0-9_-]+\\.[a-zA-Z0-9_-]+)$',
  description: 'An opaque access token (64 hex) or a JWT access token',
});
/** Space-separated scope values; capped so the implicant checks stay cheap. */
export const scope = Type.String({ maxLength: 1024, description: 'Space-separated scope values' });
export const assertion = Type.String({
  minLength: 50,
  maxLength: 10240,
  pattern: '^[a-zA-Z0-9_\\-\\.~=]+$',
  description: 'A BrowserID assertion for the signed-in user (certificate~assertion)',
});
export const state = Type.String({ maxLength: 512 });
export const accessType = Type.Union([Type.Literal('online'), Type.Literal('offline')]);
export const codeChallengeMethod = Type.Literal('S256');
export const codeChallenge = Type.String({ minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9\\-_]+$' });
export const keysJwe = Type.String({
  maxLength: 1024,
  pattern: '^[A-Za-z0-9\\-_]+\\.[A-Za-z0-9\\-_]*\\.[A-Za-z0-9\\-_]+\\.[A-Za-z0-9\\-_]+\\.[A-Za-z0-9\\-_]+$',
});
export const acrValues = Type.Union([Type.String({ maxLength: 256 }), Type.Null()]);
export const ttl = Type.Number({ exclusiveMinimum: 0, description: 'Requested access-token lifetime, seconds (clamped)' });
/** An absolute URI without a fragment (RFC 8707). */
export const resource = Type.String({ maxLength: 2048, pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*:[^#\\s]*$' });
export const ppidSeed = Type.Integer({ minimum: 0, maximum: 1024 });
export const redirectUri = Type.String({ maxLength: 256 });
export const grantType = Type.Union([
  Type.Literal('authorization_code'),
  Type.Literal('refresh_token'),
  Type.Literal('fxa-credentials'),
  Type.Literal('urn:ietf:params:oauth:grant-type:token-exchange'),
]);

export const tokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  scope: Type.String(),
  expires_in: Type.Integer(),
  auth_at: Type.Optional(Type.Integer()),
  refresh_token: Type.Optional(Type.String()),
  id_token: Type.Optional(Type.String()),
  keys_jwe: Type.Optional(Type.String()),
  session_token_id: Type.Optional(Type.String()),
  session_token: Type.Optional(Type.String()),
});

export const authorizationResponse = Type.Object({
  redirect: Type.String(),
  code: Type.String(),
  state: Type.String(),
  scope: Type.String(),
});

export const scopedKeyDataResponse = Type.Record(
  Type.String(),
  Type.Object({ identifier: Type.String(), keyRotationSecret: Type.String(), keyRotationTimestamp: Type.Integer() }),
);

export const authorizedClientsResponse = Type.Array(
  Type.Object({
    client_id: Type.String(),
    refresh_token_id: Type.Optional(Type.String()),
    client_name: Type.String(),
    created_time: Type.Integer(),
    last_access_time: Type.Integer(),
    scope: Type.Array(Type.String()),
  }),
);

export const introspectResponse = Type.Object({
  active: Type.Boolean(),
  scope: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.String()),
  iat: Type.Optional(Type.Integer()),
  exp: Type.Optional(Type.Integer()),
  sub: Type.Optional(Type.String()),
  jti: Type.Optional(Type.String()),
  'fxa-lastUsedAt': Type.Optional(Type.Integer()),
});

export const verifyResponse = Type.Object({
  user: Type.String(),
  client_id: Type.String(),
  scope: Type.Array(Type.String()),
  generation: Type.Optional(Type.Integer()),
  profile_changed_at: Type.Optional(Type.Integer()),
});
