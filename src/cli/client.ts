// `accounts-server fxa …`: try the FxA auth API from a terminal, against this server or any
// FxA-compatible one. It stretches the password into authPW (v1 or v2) with src/client, reads
// mailed codes from the terminal and keeps the session in a private file so commands chain.
// It needs none of the server's settings. Results go to stdout, prompts and hints to stderr.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AuthClient, ClientError, type AccountKeys, type KeyStretchVersion, type SignInResult } from '../client/index.js';
import { InputEnded, terminalPrompter, type Prompter } from './prompt.js';
import { clearState, defaultStatePath, readState, writeState, type SessionState } from './state.js';

// The server's own default PUBLIC_URL (HOST 127.0.0.1, PORT 9000): Hawk signs host and port,
// so the client must name the server exactly as it names itself.
export const DEFAULT_SERVER = 'http://127.0.0.1:9000';

const USAGE = `usage: accounts-server fxa <command> [options]

Commands:
  signup EMAIL        create an account, then ask for the code mailed to EMAIL and verify it
  verify [CODE]       confirm the address or the sign-in with a mailed code
                      (32 hex digits from the link, or 6 digits)
  login EMAIL         sign in; with --keys also confirm the sign-in if asked and fetch the keys
  keys                fetch and unwrap the account keys (asks for the password again)
  status              show the account and session of the saved session
  logout              end the saved session
  destroy [EMAIL]     delete the account (default: the signed-in one)

Options:
  --server URL        the server's public URL, with or without /v1
                      (default: $ACCOUNTS_SERVER, else ${DEFAULT_SERVER})
  --state FILE        session file (default: ~/.config/accounts-server-client/session.json)
  --password-file F   read the password from F instead of the terminal
                      (or set ACCOUNTS_PASSWORD)
  --v2                use v2 key stretching (signup, login, keys, destroy)
  --keys              login: fetch the keys too
  --show-keys         print kA and kB in hex instead of their fingerprints
  -h, --help          this text

Codes: a server in embedded mode (no SMTP_URL) writes each mail as an .eml file to its
data/mail/ folder; the code is in the X-Verify-Code or X-Signin-Verify-Code header, and
6-digit codes are also in the subject and the text.`;

const OPTIONS = {
  server: { type: 'string' },
  state: { type: 'string' },
  'password-file': { type: 'string' },
  v2: { type: 'boolean' },
  keys: { type: 'boolean' },
  'show-keys': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = {
  server?: string;
  state?: string;
  'password-file'?: string;
  v2?: boolean;
  keys?: boolean;
  'show-keys'?: boolean;
  help?: boolean;
};

export interface ClientIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  prompter: Prompter;
}

/** A mistake in the command line: exit code 2. */
class UsageError extends Error {}

interface Context {
  options: Options;
  args: string[];
  io: ClientIo;
  statePath: string;
  out(line: string): void;
  note(line: string): void;
}

type Command = (ctx: Context) => Promise<void>;

const COMMANDS: Record<string, Command> = { signup, verify, login, keys, status, logout, destroy };

/** Runs one command; returns the exit code (0 ok, 1 failed, 2 bad command line). */
export async function runClient(argv: string[], io: Partial<ClientIo> = {}): Promise<number> {
  const fullIo: ClientIo = {
    env: io.env ?? process.env,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    prompter: io.prompter ?? terminalPrompter(),
  };
  const fail = (message: string) => fullIo.stderr.write(`accounts-server fxa: ${message}\n`);
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const options = parsed.values as Options;
    const [name, ...args] = parsed.positionals;
    if (options.help || name === 'help') {
      fullIo.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const command = name === undefined ? undefined : COMMANDS[name];
    if (!command) throw new UsageError(name === undefined ? 'no command given' : `unknown command: ${name}`);
    await command({
      options,
      args,
      io: fullIo,
      statePath: options.state ?? defaultStatePath(fullIo.env),
      out: (line) => fullIo.stdout.write(`${line}\n`),
      note: (line) => fullIo.stderr.write(`${line}\n`),
    });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      fail(`${err.message} (see --help)`);
      return 2;
    }
    fail(describeError(err));
    return 1;
  } finally {
    fullIo.prompter.close();
  }
}

/** One line: the FxA errno and message for an API error, the cause for a network error. */
export function describeError(err: unknown): string {
  if (err instanceof ClientError) {
    const errno = err.errno === undefined ? '' : `errno ${err.errno}: `;
    return `${errno}${err.body.message ?? err.message} (HTTP ${err.status})`;
  }
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`.replace(/\s*\n\s*/g, ' ');
  }
  return String(err);
}

// ---- commands --------------------------------------------------------------------------------

async function signup(ctx: Context): Promise<void> {
  const email = requireEmail(ctx, 'signup EMAIL');
  const client = clientFor(serverOption(ctx));
  const password = await readPassword(ctx, { confirm: true });
  const account = await client.signUp(email, password, { version: stretchVersion(ctx) });
  const state: SessionState = {
    server: client.http.baseUrl,
    email,
    uid: account.uid,
    sessionToken: account.sessionToken,
    keyStretchVersion: account.keyStretchVersion,
  };
  await writeState(ctx.statePath, state);
  ctx.out(`Signed up ${email} (uid ${account.uid}) at ${state.server}.`);
  ctx.note(`A confirmation mail went to ${email}.`);
  ctx.note(mailHint('X-Verify-Code'));
  await verifyInteractively(ctx, client, state, 'Code from the mail: ', 'verify');
}

async function verify(ctx: Context): Promise<void> {
  const state = await requireState(ctx);
  const client = clientFor(state.server);
  const given = ctx.args[0];
  const code = given ?? (await ctx.io.prompter.line('Code from the mail: '));
  await verifyCode(client, state, code);
  ctx.out(`Confirmed ${state.email}.`);
}

async function login(ctx: Context): Promise<void> {
  const email = requireEmail(ctx, 'login EMAIL');
  const client = clientFor(serverOption(ctx));
  const password = await readPassword(ctx);
  const wantsKeys = ctx.options.keys === true;
  const result = await client.signIn(email, password, {
    keys: wantsKeys,
    version: stretchVersion(ctx),
    verificationMethod: wantsKeys ? 'email-otp' : undefined,
  });
  const state: SessionState = {
    server: client.http.baseUrl,
    email,
    uid: result.uid,
    sessionToken: result.sessionToken,
    keyStretchVersion: result.keyStretchVersion,
  };
  const previous = await readState(ctx.statePath).catch(() => undefined);
  await writeState(ctx.statePath, state);
  if (previous && previous.sessionToken !== state.sessionToken) await endSession(previous);
  ctx.out(`Signed in as ${email} (uid ${result.uid}) at ${state.server}.`);
  if (wantsKeys) await confirmAndFetchKeys(ctx, client, state, result);
  else if (!result.verified) ctx.note(unverifiedHint(result));
}

async function keys(ctx: Context): Promise<void> {
  const state = await requireState(ctx);
  const client = clientFor(state.server);
  const password = await readPassword(ctx);
  // A key-fetch token is spent on use and the unwrap key comes from the password, so keys
  // always mean re-authenticating the saved session.
  const version = ctx.options.v2 ? 2 : state.keyStretchVersion;
  const reauth = await client.sessionReauth(state.sessionToken, state.email, password, {
    keys: true,
    version,
    verificationMethod: 'email-otp',
  });
  await confirmAndFetchKeys(ctx, client, state, { ...reauth, sessionToken: state.sessionToken });
}

async function status(ctx: Context): Promise<void> {
  const state = await requireState(ctx);
  const client = clientFor(state.server);
  const [session, email] = await Promise.all([
    client.sessionStatus(state.sessionToken),
    client.recoveryEmailStatus(state.sessionToken),
  ]);
  ctx.out(`server: ${state.server}`);
  ctx.out(`account: ${email.email} (uid ${session.uid})`);
  ctx.out(`email: ${email.verified || email.emailVerified ? 'verified' : 'unverified'}`);
  ctx.out(`session: ${session.state}`);
  ctx.out(`key stretching: v${state.keyStretchVersion}`);
}

async function logout(ctx: Context): Promise<void> {
  const state = await requireState(ctx);
  await endSession(state, true);
  await clearState(ctx.statePath);
  ctx.out(`Signed out of ${state.server}.`);
}

async function destroy(ctx: Context): Promise<void> {
  const saved = await readState(ctx.statePath);
  const email = ctx.args[0] ?? saved?.email;
  if (!email) throw new UsageError('destroy needs an EMAIL when no session is saved');
  const server = ctx.options.server !== undefined || !saved ? serverOption(ctx) : saved.server;
  const client = clientFor(server);
  const ownSession = saved && saved.server === client.http.baseUrl && sameEmail(saved.email, email) ? saved : undefined;
  const password = await readPassword(ctx);
  const version = ctx.options.v2 ? 2 : (ownSession?.keyStretchVersion ?? 1);
  await client.accountDestroy(email, password, { sessionToken: ownSession?.sessionToken, version });
  if (ownSession) await clearState(ctx.statePath);
  ctx.out(`Deleted the account ${email} at ${client.http.baseUrl}.`);
}

// ---- flows -----------------------------------------------------------------------------------

async function confirmAndFetchKeys(ctx: Context, client: AuthClient, state: SessionState, result: SignInResult): Promise<void> {
  if (!result.verified) {
    ctx.note(`This sign-in must be confirmed: a code went to ${state.email}.`);
    ctx.note(mailHint('X-Signin-Verify-Code'));
    const code = await ctx.io.prompter.line('Code from the mail: ');
    await verifyCode(client, state, code);
    ctx.out(`Confirmed ${state.email}.`);
  }
  if (!result.keyFetchToken) throw new Error('the server sent no keyFetchToken');
  printKeys(ctx, await client.accountKeys(result.keyFetchToken, result.unwrapBKey));
}

/** Asks for the code and verifies it; input ending first (no terminal, Ctrl-D) is not an error. */
async function verifyInteractively(
  ctx: Context,
  client: AuthClient,
  state: SessionState,
  question: string,
  command: string,
): Promise<void> {
  let code: string;
  try {
    code = await ctx.io.prompter.line(question);
  } catch (err) {
    if (!(err instanceof InputEnded)) throw err;
    ctx.note(`No code read; once you have it, run: accounts-server fxa ${command} CODE`);
    return;
  }
  await verifyCode(client, state, code);
  ctx.out(`Confirmed ${state.email}.`);
}

/**
 * A link code (32 hex digits, or the whole link) goes to /recovery_email/verify_code with the
 * uid; a 6-digit code to /session/verify_code with the session.
 */
async function verifyCode(client: AuthClient, state: SessionState, input: string): Promise<void> {
  const fromLink = /[?&]code=([0-9a-f]{32})(?:&|$)/i.exec(input.trim());
  const code = (fromLink?.[1] ?? input).trim().replace(/\s+/g, '');
  if (/^[0-9a-f]{32}$/i.test(code)) {
    await client.verifyCode(state.uid, code.toLowerCase());
  } else if (/^\d{6}$/.test(code)) {
    await client.sessionVerifyCode(state.sessionToken, code);
  } else {
    throw new UsageError('a code is 32 hex digits (the link code) or 6 digits');
  }
}

/** Ends a session on its server; one already gone (errno 110) counts as ended. */
async function endSession(state: SessionState, strict = false): Promise<void> {
  try {
    await clientFor(state.server).sessionDestroy(state.sessionToken);
  } catch (err) {
    if (err instanceof ClientError && err.errno === 110) return;
    if (strict) throw err;
  }
}

function printKeys(ctx: Context, keys: AccountKeys): void {
  for (const [name, value] of Object.entries(keys)) {
    if (ctx.options['show-keys']) ctx.out(`${name}: ${value}`);
    else ctx.out(`${name} fingerprint: ${fingerprint(value)}`);
  }
}

/** Enough to compare keys across runs and devices without showing them. */
export function fingerprint(keyHex: string): string {
  return `sha256:${createHash('sha256').update(Buffer.from(keyHex, 'hex')).digest('hex').slice(0, 16)}`;
}

// ---- inputs ----------------------------------------------------------------------------------

function clientFor(server: string): AuthClient {
  try {
    return new AuthClient(server);
  } catch (err) {
    throw new UsageError(`--server: ${(err as Error).message}`);
  }
}

function serverOption(ctx: Context): string {
  return ctx.options.server ?? (ctx.io.env.ACCOUNTS_SERVER || DEFAULT_SERVER);
}

function stretchVersion(ctx: Context): KeyStretchVersion {
  return ctx.options.v2 ? 2 : 1;
}

function requireEmail(ctx: Context, usage: string): string {
  const email = ctx.args[0];
  if (!email || ctx.args.length > 1) throw new UsageError(`usage: ${usage}`);
  return email;
}

async function requireState(ctx: Context): Promise<SessionState> {
  const state = await readState(ctx.statePath);
  if (!state) throw new UsageError(`no saved session in ${ctx.statePath}: sign up or log in first`);
  if (ctx.options.server !== undefined) {
    const wanted = clientFor(ctx.options.server).http.baseUrl;
    if (wanted !== state.server) throw new UsageError(`the saved session is for ${state.server}, not ${wanted}`);
  }
  return state;
}

async function readPassword(ctx: Context, { confirm = false } = {}): Promise<string> {
  const file = ctx.options['password-file'];
  let password: string | undefined;
  if (file !== undefined) password = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  else if (ctx.io.env.ACCOUNTS_PASSWORD) password = ctx.io.env.ACCOUNTS_PASSWORD;
  else {
    password = await ctx.io.prompter.secret('Password: ');
    if (confirm && (await ctx.io.prompter.secret('Password again: ')) !== password) {
      throw new UsageError('the passwords differ');
    }
  }
  if (!password) throw new UsageError('the password is empty');
  return password;
}

function sameEmail(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function mailHint(header: string): string {
  const subject = header === 'X-Signin-Verify-Code' ? '; the 6-digit code is also in the subject' : '';
  return (
    `(A server in embedded mode writes mail as .eml files to its data/mail/ folder: ` +
    `the code is in the ${header} header${subject}.)`
  );
}

function unverifiedHint(result: SignInResult): string {
  return result.verificationReason === 'signup'
    ? 'The address is not verified yet: run `accounts-server fxa verify CODE` with the code mailed at sign-up.'
    : 'This session is not confirmed; `login --keys` asks for the code when keys need it.';
}
