// The command-line client's session between runs: which server and account it is signed in
// to and the session token, in a file only its owner can read. No password, stretched
// password or key is ever stored; commands that need one ask for the password again.

import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KeyStretchVersion } from '../client/index.js';

export interface SessionState {
  /** API base URL, with /v1. */
  server: string;
  email: string;
  uid: string;
  sessionToken: string;
  keyStretchVersion: KeyStretchVersion;
}

export function defaultStatePath(env: NodeJS.ProcessEnv): string {
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(configHome, 'accounts-server-client', 'session.json');
}

export async function readState(path: string): Promise<SessionState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const state = JSON.parse(text) as Partial<SessionState>;
  if (typeof state.server !== 'string' || typeof state.sessionToken !== 'string' || typeof state.uid !== 'string') {
    throw new Error(`${path} is not a session file of this client`);
  }
  return { email: '', keyStretchVersion: 1, ...state } as SessionState;
}

/** Written to a private temporary file, then renamed, so a crash never leaves half a file. */
export async function writeState(path: string, state: SessionState): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

export async function clearState(path: string): Promise<void> {
  await rm(path, { force: true });
}
