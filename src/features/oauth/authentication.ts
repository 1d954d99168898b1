// The Authentication behind an OAuth grant made with a session token (the `/oauth/*` twins,
// `/account/scoped-key-data`): what FxA's internal assertion carries, read off the session.

import { assuranceLevel, authenticationMethods } from '../../protocol/amr.js';
import type { SessionToken } from '../session/model.js';
import type { Authentication } from './grant-model.js';

/** The account fields a session does not carry. */
export interface AccountChangeTimes {
  profileChangedAt: number | null;
  keysChangedAt: number | null;
}

export function authenticationOfSession(session: SessionToken, account: AccountChangeTimes): Authentication {
  const amr = authenticationMethods(session);
  return {
    uid: session.uid,
    sessionTokenId: session.id,
    authAt: session.authAt,
    amr,
    aal: assuranceLevel(amr),
    emailVerified: session.emailVerified,
    tokenVerified: session.verified,
    generation: session.verifierSetAt,
    profileChangedAt: account.profileChangedAt,
    keysChangedAt: account.keysChangedAt,
  };
}
