// GET /account/profile takes a session token or an OAuth access token (FxA's
// `strategies: ['sessionToken', 'oauthToken']`). The route system authenticates with one
// strategy per route, so this wraps the session strategy into one whose token is a
// ProfileCaller, and adds the access token as its `accessToken` way in: Hawk and
// `Bearer fxs_…` still go to the session lookup, any other bearer credential to the
// OAuth verifier. The route then only asks the caller what it may see.

import { AppError, OAuthError } from '../../errors.js';
import type { AuthStrategy, TokenState } from '../../http/auth.js';
import { ScopeSet } from '../oauth/scopes.js';
import type { SessionToken } from '../session/model.js';

/** What the account feature needs of OAuth: who an access token is for, and its scope. */
export interface AccessTokenCheck {
  /** Throws an OAuthError (108 unknown, 115 expired) for a token it refuses. */
  verify(token: string): Promise<{ uid: Buffer; scope: string[] }>;
}

export interface ProfileCaller {
  uid: Buffer;
  /** The session it came with; null for an access token. */
  session: SessionToken | null;
  /** Whether the caller may see what `scope` guards: always for a session; by implication for a token. */
  allows(scope: string): boolean;
}

/**
 * An access token proves nothing a route precondition asks about (confirmed address or
 * session, assurance level): a route that declares one refuses it.
 */
const ACCESS_TOKEN_STATE: TokenState = { emailVerified: false, tokenVerified: false, assuranceLevel: 0, requiredAssuranceLevel: 1 };

export function sessionOrAccessToken(
  sessions: AuthStrategy<SessionToken>,
  accessTokens: AccessTokenCheck,
): AuthStrategy<ProfileCaller> {
  return {
    name: sessions.name,
    bearerPrefixes: sessions.bearerPrefixes,
    unconfirmedErrno: sessions.unconfirmedErrno,
    async lookup(tokenId) {
      const found = await sessions.lookup(tokenId);
      return found && { authKey: found.authKey, token: { uid: found.token.uid, session: found.token, allows: () => true } };
    },
    state: (caller) => (caller.session ? sessions.state(caller.session) : ACCESS_TOKEN_STATE),
    accessToken: {
      name: 'oauthToken',
      async verify(credential) {
        try {
          const token = await accessTokens.verify(credential);
          const scope = ScopeSet.fromArray(token.scope);
          return { uid: token.uid, session: null, allows: (value) => scope.implies(value) };
        } catch (err) {
          // The auth server's answer to a refused access token, as for any bad token.
          if (err instanceof OAuthError) throw AppError.invalidToken(err.message);
          throw err;
        }
      },
    },
  };
}
