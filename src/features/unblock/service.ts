// Unblock codes (PROTOCOL §6.1): an 8-character code mailed to the account that lets
// a sign-in through a rate limit, and confirms that sign-in. Only a hash is stored,
// in the ephemeral store, for one hour; a code works once.

import type { Logger } from 'pino';
import { hashUnblockCode, unblockCode } from '../../crypto/index.js';
import type { Customs } from '../../customs/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { RequestContext } from '../../http/context.js';
import type { EphemeralStore } from '../../kv/index.js';
import type { Clock, RandomSource } from '../../runtime.js';
import { requestSigninDetails, type AccountMailer } from '../account/mail.js';
import type { AccountService } from '../account/service.js';

export const UNBLOCK_CODE_LIFETIME_MS = 3600 * 1000;

export class UnblockCodes {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  private key(uid: Buffer, code: string): string {
    return `unblock:${uid.toString('hex')}:${hashUnblockCode(uid, code).toString('hex')}`;
  }

  async issue(uid: Buffer): Promise<string> {
    const code = unblockCode(this.random);
    await this.store.set(this.key(uid, code), String(this.clock.now()), UNBLOCK_CODE_LIFETIME_MS);
    return code;
  }

  /** Spends the code; false when it is unknown, already used or older than an hour. */
  async consume(uid: Buffer, code: string): Promise<boolean> {
    const issuedAt = await this.store.take(this.key(uid, code));
    return issuedAt !== null && this.clock.now() - Number(issuedAt) <= UNBLOCK_CODE_LIFETIME_MS;
  }
}

export interface UnblockDeps {
  codes: UnblockCodes;
  accounts: AccountService;
  customs: Customs;
  mail: AccountMailer;
  clock: Clock;
  logger: Logger;
}

export class UnblockService {
  constructor(private readonly deps: UnblockDeps) {}

  /** `send_unblock_code`: any of the account's addresses works; the mail goes to the primary. */
  async send(email: string, ctx: RequestContext): Promise<void> {
    const { codes, accounts, customs, mail, clock } = this.deps;
    await customs.check('sendUnblockCode', { ip: ctx.ip, email: email.toLowerCase() });
    const record = await accounts.findByEmail(email);
    if (!record) throw AppError.unknownAccount(email);
    const code = await codes.issue(record.account.uid);
    try {
      await mail.send('unblockCode', record, ctx, {
        code,
        signin: requestSigninDetails(ctx, clock.now()),
      });
    } catch (err) {
      await codes.consume(record.account.uid, code); // a code nobody received must not stay valid
      throw err;
    }
  }

  /** `reject_unblock_code`: the user says they did not ask for it; spend it and note it. */
  async reject(uid: Buffer, code: string, ctx: RequestContext): Promise<void> {
    if (!(await this.deps.codes.consume(uid, code.toUpperCase()))) throw new AppError(ERRNO.INVALID_UNBLOCK_CODE);
    this.deps.logger.warn({ uid: uid.toString('hex'), ip: ctx.ip }, 'unblock code reported as not requested');
  }
}
