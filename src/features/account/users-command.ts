// `accounts-server user add|list|show|delete|verify`: the operator manages accounts on the
// configured database, e.g. when SIGNUP_POLICY=closed or when there is no SMTP relay to
// deliver verification mail. `add` derives the credentials exactly as a client does at
// sign-up (onepw quick-stretch v1 and v2 on this machine, one client-chosen kB wrapped by
// both), so Firefox and every other client sign in with the password afterwards; the server
// side then stores them like POST /account/create, without SIGNUP_POLICY, rate limits or mail.

import { parseArgs } from 'node:util';
import { makeClientSaltV2, quickStretchV1, quickStretchV2, xor } from '../../crypto/index.js';
import { AppError, ERRNO } from '../../errors.js';
import { isValidEmailAddress } from '../../http/validation.js';
import type { RandomSource } from '../../runtime.js';
import type { AccountService } from './service.js';

export const USER_USAGE = `usage: accounts-server user <command> [options]

Commands:
  add EMAIL [--verified] [--password-stdin]
                          create an account as a client's sign-up would; without
                          --password-stdin a random password is generated and printed
                          (only this once); --verified: the address needs no confirmation
                          (for deployments without mail)
  list                    every account: email, uid, verified/unverified, created (UTC)
  show EMAIL|UID          one account, with its numbers of sessions and devices
  delete EMAIL|UID --yes  delete the account with its sessions, devices, tokens and keys
  verify EMAIL|UID        mark the account's primary address verified

SIGNUP_POLICY does not apply here: with SIGNUP_POLICY=closed this is how accounts are made.`;

/** Shortest password accepted, as Mozilla's sign-up pages require. */
export const MIN_PASSWORD_LENGTH = 8;
/** A generated password: 16 random bytes, 22 characters of base64url. */
const GENERATED_PASSWORD_BYTES = 16;

/** A refusal: the message is printed alone; exit code 2 for a wrong command line, 1 otherwise. */
export class UserCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'UserCommandError';
  }
}

export type UserCommand =
  | { action: 'help' }
  | { action: 'add'; email: string; verified: boolean; passwordStdin: boolean }
  | { action: 'list' }
  | { action: 'show'; who: string }
  | { action: 'delete'; who: string; yes: boolean }
  | { action: 'verify'; who: string };

export interface UserCommandDeps {
  accounts: Pick<AccountService, 'createByOperator' | 'findByEmail' | 'get' | 'markVerified' | 'destroyByOperator' | 'listAll'>;
  countSessions(uid: Buffer): Promise<number>;
  countDevices(uid: Buffer): Promise<number>;
  /** The password given on stdin (--password-stdin): its first line. */
  readPassword(): Promise<string>;
  random: RandomSource;
}

const usage = (problem: string): UserCommandError => new UserCommandError(`accounts-server user: ${problem} (see --help)`, 2);
const failure = (problem: string): UserCommandError => new UserCommandError(`accounts-server user: ${problem}`, 1);

const OPTIONS = {
  verified: { type: 'boolean' },
  'password-stdin': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ALLOWED: Record<string, ReadonlyArray<keyof typeof OPTIONS>> = {
  add: ['verified', 'password-stdin', 'help'],
  list: ['help'],
  show: ['help'],
  delete: ['yes', 'help'],
  verify: ['help'],
};

export function parseUserCommand(args: string[]): UserCommand {
  const [action, ...rest] = args;
  if (action === undefined || action === 'help' || action === '--help' || action === '-h') return { action: 'help' };
  const allowed = ALLOWED[action];
  if (!allowed) throw usage(`unknown command ${JSON.stringify(action)}; expected add, list, show, delete or verify`);
  let values: Partial<Record<keyof typeof OPTIONS, boolean>>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    throw usage(`${action}: ${(err as Error).message}`);
  }
  if (values.help) return { action: 'help' };
  const extra = (Object.keys(values) as Array<keyof typeof OPTIONS>).find((name) => !allowed.includes(name));
  if (extra) throw usage(`${action} takes no --${extra}`);
  if (action === 'list') {
    if (positionals.length > 0) throw usage('list takes no arguments');
    return { action: 'list' };
  }
  const what = action === 'add' ? 'EMAIL' : 'EMAIL|UID';
  if (positionals.length !== 1) throw usage(`usage: accounts-server user ${action} ${what}`);
  const target = positionals[0]!.trim();
  switch (action) {
    case 'add':
      if (!isValidEmailAddress(target) || target.length > 255) throw usage(`add: not an email address: ${JSON.stringify(target)}`);
      return { action: 'add', email: target, verified: values.verified === true, passwordStdin: values['password-stdin'] === true };
    case 'delete':
      return { action: 'delete', who: target, yes: values.yes === true };
    case 'show':
      return { action: 'show', who: target };
    default:
      return { action: 'verify', who: target };
  }
}

/** The client-side half of sign-up: v1 and v2 credentials wrapping one random kB (docs/protocol.md §1.3). */
export async function signupCredentials(email: string, password: string, random: RandomSource) {
  const v1 = await quickStretchV1(email, password);
  const clientSalt = makeClientSaltV2(random(16));
  const v2 = await quickStretchV2(password, clientSalt);
  const kB = random(32);
  return {
    authPW: v1.authPW,
    wrapKb: xor(kB, v1.unwrapBKey),
    authPWVersion2: v2.authPW,
    wrapKbVersion2: xor(kB, v2.unwrapBKey),
    clientSalt,
  };
}

const UID = /^[0-9a-f]{32}$/i;
const iso = (ms: number): string => new Date(ms).toISOString();

async function find(deps: UserCommandDeps, who: string) {
  if (UID.test(who)) {
    try {
      return await deps.accounts.get(Buffer.from(who, 'hex'));
    } catch (err) {
      if (err instanceof AppError && err.errno === ERRNO.UNKNOWN_ACCOUNT) throw failure(`no account with uid ${who.toLowerCase()}`);
      throw err;
    }
  }
  if (!who.includes('@')) throw usage(`expected an email address or a uid (32 hex digits), got ${JSON.stringify(who)}`);
  const found = await deps.accounts.findByEmail(who);
  if (!found) throw failure(`no account with address ${who}`);
  return found;
}

/** Runs a parsed command; returns the lines to print on stdout. */
export async function runUserCommand(command: UserCommand, deps: UserCommandDeps): Promise<string[]> {
  switch (command.action) {
    case 'help':
      return [USER_USAGE];

    case 'add': {
      const generated = !command.passwordStdin;
      const password = generated
        ? deps.random(GENERATED_PASSWORD_BYTES).toString('base64url')
        : await deps.readPassword().catch((err: unknown) => {
            throw failure(`add: ${(err as Error).message}`);
          });
      if ([...password].length < MIN_PASSWORD_LENGTH) {
        throw failure(`add: the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
      }
      const credentials = await signupCredentials(command.email, password, deps.random);
      let created: { uid: Buffer; createdAt: number };
      try {
        created = await deps.accounts.createByOperator({ email: command.email, verified: command.verified, ...credentials });
      } catch (err) {
        const taken =
          err instanceof AppError &&
          (err.errno === ERRNO.ACCOUNT_EXISTS || err.errno === ERRNO.VERIFIED_SECONDARY_EMAIL_ALREADY_EXISTS);
        if (taken) {
          throw failure(`add: ${command.email} already belongs to an account`);
        }
        throw err;
      }
      return [
        `uid\t${created.uid.toString('hex')}`,
        `email\t${command.email}`,
        `verified\t${command.verified}`,
        ...(generated ? [`password\t${password}`] : []),
      ];
    }

    case 'list':
      return (await deps.accounts.listAll()).map(
        (account) =>
          `${account.email}\t${account.uid.toString('hex')}\t${account.verified ? 'verified' : 'unverified'}\t${iso(account.createdAt)}`,
      );

    case 'show': {
      const { account, primary } = await find(deps, command.who);
      const [sessions, devices] = await Promise.all([deps.countSessions(account.uid), deps.countDevices(account.uid)]);
      return [
        `uid\t${account.uid.toString('hex')}`,
        `email\t${primary.email}`,
        `verified\t${primary.isVerified}`,
        `created\t${iso(account.createdAt)}`,
        `password\t${account.clientSalt ? 'v1+v2' : 'v1'}, set ${iso(account.verifierSetAt)}`,
        `locale\t${account.locale ?? ''}`,
        `disabled\t${account.disabledAt === null ? 'no' : iso(account.disabledAt)}`,
        `sessions\t${sessions}`,
        `devices\t${devices}`,
      ];
    }

    case 'delete': {
      const { account, primary } = await find(deps, command.who);
      const uid = account.uid.toString('hex');
      if (!command.yes) {
        throw failure(`delete: this deletes ${primary.email} (uid ${uid}) for good, with its sessions and devices; add --yes`);
      }
      await deps.accounts.destroyByOperator(account.uid);
      return [`deleted\t${primary.email}\t${uid}`];
    }

    case 'verify': {
      const { account, primary } = await find(deps, command.who);
      const changed = await deps.accounts.markVerified(account.uid);
      return [`${changed ? 'verified' : 'already verified'}\t${primary.email}\t${account.uid.toString('hex')}`];
    }
  }
}
