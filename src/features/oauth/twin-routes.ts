// The auth server's session-token twins of the OAuth endpoints (what Firefox and our pages
// call, FIREFOX.md §3–§4): the user is the session's, and errors are the auth server's
// errnos (src/errors.ts toAuthError).

import { Type } from '@sinclair/typebox';
import { AppError, AUTH_ERRNOS_OF_OAUTH, ERRNO, toAuthError } from '../../errors.js';
import type { AuthStrategy } from '../../http/auth.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { body } from '../../http/schemas.js';
import { parseUserAgent } from '../../http/user-agent.js';
import type { SessionToken } from '../session/model.js';
import type { Authentication } from './grant-model.js';
import {
  accessToken,
  accessType,
  acrValues,
  authorizationResponse,
  clientId,
  clientSecret,
  codeChallenge,
  codeChallengeMethod,
  keysJwe,
  redirectUri,
  scope,
  scopedKeyDataResponse,
  state,
  tokenResponse,
} from './schemas.js';
import type { OAuthService } from './service.js';
import { tokenBody, tokenFields } from './routes.js';
import type { SigningKeys } from './signing-keys.js';

export interface TwinRouteDeps {
  oauth: OAuthService;
  sessionAuth: AuthStrategy<SessionToken>;
  /** The grant's view of a session (reads the account's change times). */
  authenticate(session: SessionToken): Promise<Authentication>;
  signingKeys: Pick<SigningKeys, 'verify'>;
  issuer: string;
  clock: { now(): number };
}

/** Runs `fn`, answering OAuth errors with their auth-server errnos. */
async function inAuthErrnos<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAuthError(err);
  }
}

/** FxA's internal assertion refuses sessions that must be confirmed and are not (138). */
function assertSessionUsable(session: SessionToken): void {
  if (session.mustVerify && !session.verified) throw new AppError(ERRNO.SESSION_UNVERIFIED);
}

/** How far in the future an id_token's exp may lie (FxA: 5 minutes, its lifetime). */
const ID_TOKEN_MAX_EXP_S = 300;

export function twinRoutes({ oauth, sessionAuth, authenticate, signingKeys, issuer, clock }: TwinRouteDeps): RouteSpec[] {
  const sessionErrors = [...AUTH_ERRNOS_OF_OAUTH, ERRNO.SESSION_UNVERIFIED];
  return [
    defineRoute({
      method: 'POST',
      path: '/oauth/authorization',
      tag: 'OAuth',
      summary: "Authorize a client for the session's user: a code to exchange at /oauth/token",
      auth: { strategy: sessionAuth, verifiedEmail: true },
      errors: sessionErrors,
      body: body({
        client_id: clientId,
        response_type: Type.Optional(Type.Literal('code')),
        redirect_uri: Type.Optional(redirectUri),
        scope: Type.Optional(scope),
        state,
        access_type: Type.Optional(accessType),
        code_challenge_method: Type.Optional(codeChallengeMethod),
        code_challenge: Type.Optional(codeChallenge),
        keys_jwe: Type.Optional(keysJwe),
        acr_values: Type.Optional(acrValues),
      }),
      response: authorizationResponse,
      async handler({ body, auth }) {
        assertSessionUsable(auth.token);
        if (body.scope === undefined) throw AppError.invalidParameter('body', ['scope']);
        if ((body.code_challenge === undefined) !== (body.code_challenge_method === undefined)) {
          throw AppError.invalidParameter('body', ['code_challenge', 'code_challenge_method']);
        }
        const user = await authenticate(auth.token);
        const requestedScope = body.scope;
        return inAuthErrnos(
          async () =>
            (await oauth.authorize(user, {
              clientId: body.client_id,
              scope: requestedScope,
              state: body.state,
              redirectUri: body.redirect_uri,
              responseType: 'code',
              accessType: body.access_type,
              codeChallenge: body.code_challenge,
              codeChallengeMethod: body.code_challenge_method,
              keysJwe: body.keys_jwe,
              acrValues: body.acr_values,
            })) as { code: string; state: string; redirect: string; scope: string },
        );
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/oauth/token',
      tag: 'OAuth',
      summary: 'Tokens for a code, a refresh token, or the session itself (fxa-credentials)',
      description:
        'The Authorization header carries the (optional) Hawk session; client secrets go in the body. A granted `https://identity.mozilla.com/tokens/session` scope returns `session_token`: a new session with the state of the one the grant came from.',
      auth: { strategy: sessionAuth, optional: true },
      errors: sessionErrors,
      body: tokenBody,
      response: tokenResponse,
      async handler({ body, auth, request }) {
        const grantType = body.grant_type ?? (body.code ? 'authorization_code' : 'fxa-credentials');
        let user: Authentication | undefined;
        if (grantType === 'fxa-credentials') {
          if (!auth) throw AppError.invalidToken();
          assertSessionUsable(auth.token);
          user = await authenticate(auth.token);
        }
        return inAuthErrnos(() =>
          oauth.token({
            grantType,
            credentials: { clientId: body.client_id, clientSecret: body.client_secret },
            ...tokenFields(body),
            auth: user,
            newSession: { userAgent: parseUserAgent(request.headers['user-agent']) },
          }),
        );
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/oauth/destroy',
      tag: 'OAuth',
      summary: "RFC 7009 revocation of a client's access or refresh token",
      description: 'A token that is not found is not an error (`{}`).',
      errors: [ERRNO.UNKNOWN_CLIENT_ID, ERRNO.INCORRECT_CLIENT_SECRET],
      body: body({
        client_id: clientId,
        client_secret: Type.Optional(clientSecret),
        token: accessToken,
        token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
      }),
      response: Type.Object({}),
      async handler({ body }) {
        await inAuthErrnos(() =>
          oauth.revoke({ clientId: body.client_id, clientSecret: body.client_secret }, body.token, body.token_type_hint),
        );
        return {};
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/oauth/id-token-verify',
      tag: 'OAuth',
      summary: 'Check an id_token this server issued to a client, allowing a grace period past its expiry',
      errors: [ERRNO.INVALID_TOKEN],
      body: body({
        client_id: clientId,
        id_token: Type.String({ maxLength: 10240 }),
        expiry_grace_period: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
      response: Type.Record(Type.String(), Type.Unknown()),
      async handler({ body }) {
        const now = clock.now() / 1000;
        // Expiry is judged below with the grace period, so the library is asked at the epoch.
        const { payload } = await signingKeys.verify(body.id_token, { issuer, currentDate: new Date(0) }).catch(() => {
          throw AppError.invalidToken('Invalid id_token');
        });
        const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        const { exp } = payload;
        if (
          !audience.includes(body.client_id) ||
          typeof exp !== 'number' ||
          exp > now + ID_TOKEN_MAX_EXP_S ||
          exp + (body.expiry_grace_period ?? 0) < now
        ) {
          throw AppError.invalidToken('Invalid id_token');
        }
        return payload;
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/account/scoped-key-data',
      tag: 'OAuth',
      summary: "What the browser derives scoped keys from, for the session's user",
      auth: { strategy: sessionAuth, verifiedEmail: true },
      errors: sessionErrors,
      body: body({ client_id: clientId, scope }),
      response: scopedKeyDataResponse,
      async handler({ body, auth }) {
        assertSessionUsable(auth.token);
        const user = await authenticate(auth.token);
        return inAuthErrnos(() => oauth.keyData(user, body.client_id, body.scope));
      },
    }),
  ];
}
