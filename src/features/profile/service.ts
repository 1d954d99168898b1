// The profile server's rules (Mozilla's fxa-profile-server): which profile fields a token's
// scope reveals, the display name, and the default avatar. Email and locale come from the
// account; the display name is this feature's own.

import type { Db } from '../../db/index.js';
import { AppError, ERRNO, ProfileError } from '../../errors.js';
import type { PushNotifier } from '../../push/model.js';
import type { AccountRecord } from '../account/model.js';
import type { VerifiedAccessToken } from '../oauth/model.js';
import { tokenAllows } from './scopes.js';
import type { ProfileStore } from './store.js';

/** What the profile feature needs of accounts. */
export interface ProfileAccounts {
  /** AppError 102 when the account is gone. */
  get(uid: Buffer): Promise<AccountRecord>;
  markProfileChanged(uid: Buffer): Promise<void>;
}

export interface ProfileDeps {
  db: Db;
  store: ProfileStore;
  accounts: ProfileAccounts;
  /** The URL of an avatar image by id (Mozilla's `img.url` template). */
  avatarUrl(id: string): string;
  /** Tells the account's devices to refetch the profile. */
  push: Pick<PushNotifier, 'profileUpdated'>;
}

/** Mozilla's `img.defaultAvatarId`: the avatar of an account that never chose one. */
export const DEFAULT_AVATAR_ID = '0'.repeat(32);

/** Longest display name Mozilla accepts. */
export const DISPLAY_NAME_MAX_LENGTH = 256;

/**
 * Characters a display name may not hold (Mozilla's list): C0 and C1 controls, DEL, the
 * line and paragraph separators, the BMP private use area and the "specials" block.
 */
export const DISPLAY_NAME_PATTERN = '^[^\\u0000-\\u001F\\u007F\\u0080-\\u009F\\u2028-\\u2029\\uE000-\\uF8FF\\uFFF9-\\uFFFF]*$';

export interface Avatar {
  id: string;
  avatar: string;
  avatarDefault: boolean;
}

/** GET /profile: each part present only when the scope reveals it (Mozilla's batch of sub-routes). */
export interface Profile {
  email?: string;
  locale?: string;
  amrValues?: string[];
  twoFactorAuthentication?: boolean;
  uid?: string;
  avatar?: string;
  avatarDefault?: boolean;
  displayName?: string;
  sub?: string;
}

/** What reveals the account's core profile (email, locale, amr); `email` is OpenID Connect's. */
const CORE_SCOPES = ['profile:email', 'profile:locale', 'profile:amr', 'profile:subscriptions'] as const;

const allowsEmail = (scope: readonly string[]) => tokenAllows(scope, 'profile:email') || scope.includes('email');

export class ProfileService {
  constructor(private readonly deps: ProfileDeps) {}

  uid(token: VerifiedAccessToken): string {
    return token.uid.toString('hex');
  }

  async email(token: VerifiedAccessToken): Promise<string> {
    return (await this.account(token)).primary.email;
  }

  /** null when none is set. */
  async displayName(token: VerifiedAccessToken): Promise<string | null> {
    return this.deps.store.displayName(token.uid);
  }

  /** Sets the display name; the empty string clears it. */
  async setDisplayName(token: VerifiedAccessToken, displayName: string): Promise<void> {
    await this.deps.db.transaction(async () => {
      await this.account(token);
      await this.deps.store.setDisplayName(token.uid, displayName === '' ? null : displayName);
      await this.deps.accounts.markProfileChanged(token.uid);
    });
    // After the commit, so a device that refetches at once sees the new name.
    await this.deps.push.profileUpdated(token.uid);
  }

  /** Avatar upload is not supported yet: every account has the default one. */
  avatar(_token: VerifiedAccessToken): Avatar {
    return { id: DEFAULT_AVATAR_ID, avatar: this.deps.avatarUrl(DEFAULT_AVATAR_ID), avatarDefault: true };
  }

  /** Everything the scope reveals; ProfileError 403 when it reveals nothing. */
  async profile(token: VerifiedAccessToken): Promise<Profile> {
    const { scope } = token;
    const profile: Profile = {};
    let revealed = 0;
    if (CORE_SCOPES.some((value) => tokenAllows(scope, value)) || allowsEmail(scope)) {
      revealed++;
      const { account, primary } = await this.account(token);
      if (allowsEmail(scope)) profile.email = primary.email;
      if (tokenAllows(scope, 'profile:locale') && account.locale) profile.locale = account.locale;
      if (tokenAllows(scope, 'profile:amr')) {
        // What the account can authenticate with (no second factor exists here yet), not what this token used.
        profile.amrValues = ['pwd', 'email'];
        profile.twoFactorAuthentication = false;
      }
    }
    if (tokenAllows(scope, 'profile:uid')) {
      revealed++;
      profile.uid = this.uid(token);
    }
    if (tokenAllows(scope, 'profile:avatar')) {
      revealed++;
      const { avatar, avatarDefault } = this.avatar(token);
      Object.assign(profile, { avatar, avatarDefault });
    }
    if (tokenAllows(scope, 'profile:display_name')) {
      revealed++;
      const displayName = await this.displayName(token);
      if (displayName) profile.displayName = displayName;
    }
    if (revealed === 0) throw ProfileError.insufficientScope();
    if (scope.includes('openid')) profile.sub = this.uid(token);
    return profile;
  }

  /** The token's account; 401 errno 100 once it is deleted (its tokens may outlive it). */
  private async account(token: VerifiedAccessToken): Promise<AccountRecord> {
    try {
      return await this.deps.accounts.get(token.uid);
    } catch (err) {
      if (err instanceof AppError && err.errno === ERRNO.UNKNOWN_ACCOUNT) throw ProfileError.unauthorized('Unknown account');
      throw err;
    }
  }
}
