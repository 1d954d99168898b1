// Server-side password verifiers (docs/protocol.md §2): new credentials when a password is
// set, and the check of a login's authPW against the v1 and v2 verifiers.

import {
  deriveFromStretched,
  isMustResetAuthSalt,
  stretchAuthPW,
  verifyHashMatches,
  wrapWrapKb,
  xor,
  type VerifierVersion,
} from '../../crypto/index.js';
import { AppError } from '../../errors.js';
import type { ScryptPool } from '../../hashing/scrypt-pool.js';
import type { RandomSource } from '../../runtime.js';
import type { Account } from './model.js';

/** What a client sends when it sets a password; the v2 fields come all together or not at all. */
export interface PasswordInput {
  authPW: Buffer;
  wrapKb?: Buffer;
  authPWVersion2?: Buffer;
  wrapKbVersion2?: Buffer;
  clientSalt?: string;
}

export type StoredCredentials = Pick<
  Account,
  'authSalt' | 'verifierVersion' | 'verifyHash' | 'wrapWrapKb' | 'verifyHashVersion2' | 'wrapWrapKbVersion2' | 'clientSalt'
>;

export interface NewCredentials {
  stored: StoredCredentials;
  wrapKb: Buffer;
  /** Present when v2 credentials were set. */
  wrapKbVersion2?: Buffer;
}

export type PasswordCheck = { outcome: 'match'; version: 1 | 2; wrapKb: Buffer } | { outcome: 'mismatch' } | { outcome: 'mustReset' };

const CURRENT_VERIFIER_VERSION: VerifierVersion = 1;

export class PasswordHasher {
  constructor(
    private readonly pool: ScryptPool,
    private readonly random: RandomSource,
  ) {}

  private async derive(authPW: Buffer, authSalt: Buffer, version: VerifierVersion) {
    const stretched = await stretchAuthPW(authPW, authSalt, version, (p, s) => this.pool.hash(p, s));
    return deriveFromStretched(stretched, version);
  }

  /**
   * Verifiers for a new password, with the wrapKb values the first key-fetch tokens carry.
   * Without a client wrapKb (v1 sign-up) it is random, so kB is whatever the client first unwraps.
   */
  async newCredentials(input: PasswordInput): Promise<NewCredentials> {
    const authSalt = this.random(32);
    const wrapKb = input.wrapKb ?? this.random(32);
    const v1 = await this.derive(input.authPW, authSalt, CURRENT_VERIFIER_VERSION);
    const stored: StoredCredentials = {
      authSalt,
      verifierVersion: CURRENT_VERIFIER_VERSION,
      verifyHash: v1.verifyHash,
      wrapWrapKb: wrapWrapKb(wrapKb, v1.wrapwrapKey),
      verifyHashVersion2: null,
      wrapWrapKbVersion2: null,
      clientSalt: null,
    };
    if (!(input.authPWVersion2 && input.wrapKbVersion2 && input.clientSalt)) return { stored, wrapKb };
    const v2 = await this.derive(input.authPWVersion2, authSalt, CURRENT_VERIFIER_VERSION);
    stored.verifyHashVersion2 = v2.verifyHash;
    stored.wrapWrapKbVersion2 = wrapWrapKb(input.wrapKbVersion2, v2.wrapwrapKey);
    stored.clientSalt = input.clientSalt;
    return { stored, wrapKb, wrapKbVersion2: input.wrapKbVersion2 };
  }

  /**
   * `check` for a request: a mismatch runs `onFailure` (rate-limit bookkeeping) and becomes
   * 126, 120 (the client stretched with another spelling of the sign-up address: the error
   * names the right one, docs/protocol.md §10.2) or 103.
   */
  async verify(
    account: Account,
    authPW: Buffer,
    typedEmail: string,
    onFailure: () => Promise<void>,
  ): Promise<Extract<PasswordCheck, { outcome: 'match' }>> {
    const result = await this.check(account, authPW);
    if (result.outcome === 'match') return result;
    await onFailure();
    if (result.outcome === 'mustReset') throw AppError.mustResetAccount(account.email);
    if (account.email !== typedEmail) throw AppError.incorrectEmailCase(account.email);
    throw AppError.incorrectPassword(account.email);
  }

  /** One scrypt, compared with both verifiers: the client's stretch version decides which matches. */
  async check(stored: StoredCredentials, authPW: Buffer): Promise<PasswordCheck> {
    if (isMustResetAuthSalt(stored.authSalt)) return { outcome: 'mustReset' };
    const version = stored.verifierVersion as VerifierVersion;
    const { verifyHash, wrapwrapKey } = await this.derive(authPW, stored.authSalt, version);
    const v1 = verifyHashMatches(verifyHash, stored.verifyHash);
    const v2 = stored.verifyHashVersion2 !== null && verifyHashMatches(verifyHash, stored.verifyHashVersion2);
    if (v2 && stored.wrapWrapKbVersion2) {
      return { outcome: 'match', version: 2, wrapKb: xor(stored.wrapWrapKbVersion2, wrapwrapKey) };
    }
    if (v1) return { outcome: 'match', version: 1, wrapKb: xor(stored.wrapWrapKb, wrapwrapKey) };
    return { outcome: 'mismatch' };
  }
}
