// Sending and rejecting unblock codes (the codes themselves: codes.ts).

import type { Logger } from 'pino';
import type { Customs } from '../../customs/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { RequestContext } from '../../http/context.js';
import { requestSigninDetails, type AccountMailer } from '../../mail/account-mailer.js';
import { normalizeEmail } from '../../protocol/email.js';
import type { Clock } from '../../runtime.js';
import type { AccountRecord } from '../account/model.js';
import type { UnblockCodes } from './codes.js';

/** What this feature needs of the accounts: finding one by any of its addresses. */
export interface AccountsByEmail {
  findByEmail(email: string): Promise<AccountRecord | undefined>;
}

export interface UnblockDeps {
  codes: UnblockCodes;
  accounts: AccountsByEmail;
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
    const record = await accounts.findByEmail(email);
    await customs.check('sendUnblockCode', { ip: ctx.ip, email: normalizeEmail(email), uid: record?.account.uid.toString('hex') });
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
    const subject = { ip: ctx.ip, uid: uid.toString('hex') };
    await this.deps.customs.check('unblockCodeCheck', subject);
    if (!(await this.deps.codes.consume(uid, code.toUpperCase()))) {
      await this.deps.customs.recordFailure('unblockCodeFailed', subject);
      throw new AppError(ERRNO.INVALID_UNBLOCK_CODE);
    }
    this.deps.logger.warn({ uid: uid.toString('hex'), ip: ctx.ip }, 'unblock code reported as not requested');
  }
}
