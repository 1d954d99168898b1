// The operator's `accounts-server user …` commands run in process against a test server's
// services, as src/main.ts wires them.

import { parseUserCommand, runUserCommand, type UserCommandDeps } from '../../src/features/account/users-command.js';
import type { TestServer } from './server.js';

/** The command's dependencies on `server`; `password` is what --password-stdin reads. */
export function userCommandDeps(server: TestServer, password?: string): UserCommandDeps {
  const { services } = server.app;
  return {
    accounts: services.accounts,
    countSessions: async (uid) => (await services.sessions.listForAccount(uid)).length,
    countDevices: (uid) => services.devices.count(uid),
    readPassword: async () => {
      if (password === undefined) throw new Error('no password: input ended');
      return password;
    },
    random: services.random,
  };
}

/** `accounts-server user …args`, returning its stdout lines. */
export function runUser(server: TestServer, args: string[], password?: string): Promise<string[]> {
  return runUserCommand(parseUserCommand(args), userCommandDeps(server, password));
}

/** `user add EMAIL --verified --password-stdin`; returns the uid. */
export async function createByOperatorForTest(server: TestServer, email: string, password: string): Promise<string> {
  const lines = await runUser(server, ['add', email, '--verified', '--password-stdin'], password);
  return lines[0]!.split('\t')[1]!;
}
