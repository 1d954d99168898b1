// `accounts-server client add|list|rotate-secret|remove`: the operator registers OAuth clients
// (FxA has no public registration route any more). A new client's id and secret are random;
// the secret is printed once and only its SHA-256 is stored, so a lost secret is replaced with
// `rotate-secret`, never recovered.

import { parseArgs } from 'node:util';
import type { Db } from '../../db/index.js';
import type { RandomSource } from '../../runtime.js';
import { hashHex, SCOPE_LIST, type OAuthClient } from './client-settings.js';
import { OAuthClientStore } from './client-store.js';
import type { ClientRegistry } from './clients.js';

export const CLIENT_USAGE = `usage: accounts-server client <command> [options]

Commands:
  add --name NAME --redirect-uri URI[,URI2…] [options]
                          register a client; prints its id and, unless --public, its
                          secret (only this once: just the secret's SHA-256 is stored)
  list                    every client: id, source (builtin, config, cli), state, type,
                          flags, name and redirect URIs; never a secret
  rotate-secret ID        give a client registered here a new secret (printed once); the
                          old one keeps working until the next rotation
  remove ID               delete a client registered here, with its codes and tokens

Options of add:
  --image-uri URI         a logo shown on the sign-in pages
  --public                a public client (native or browser app): PKCE, no secret
  --trusted               first-party: no consent screen, may get unregistered scopes
  --can-grant             may use the fxa-credentials grant (Mozilla's own services)
  --scopes "A B"          registered scopes it may get, space-separated
  --jwt-access-tokens     issue its access tokens as JWTs (else opaque)
  --no-rotate-refresh-tokens
                          keep a refresh token when it is used (the default for --public)
  --rotate-refresh-tokens a new refresh token at each use (the default otherwise)

Clients of OAUTH_CLIENTS and the built-in ones (OAUTH_BUILTIN_CLIENTS) are listed but
change only in the settings; OAUTH_DISABLED_CLIENTS switches any of them off.`;

/** A refusal: the message is printed alone; exit code 2 for a wrong command line, 1 otherwise. */
export class ClientCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'ClientCommandError';
  }
}

export interface NewClientOptions {
  name: string;
  redirectUris: string[];
  imageUri: string;
  publicClient: boolean;
  trusted: boolean;
  canGrant: boolean;
  allowedScopes: string;
  jwtAccessTokens: boolean;
  rotateRefreshTokens: boolean;
}

export type ClientCommand =
  | { action: 'help' }
  | { action: 'list' }
  | { action: 'add'; client: NewClientOptions }
  | { action: 'rotate-secret'; id: string }
  | { action: 'remove'; id: string };

const ADD_OPTIONS = {
  name: { type: 'string' },
  'redirect-uri': { type: 'string' },
  'image-uri': { type: 'string' },
  public: { type: 'boolean' },
  trusted: { type: 'boolean' },
  'can-grant': { type: 'boolean' },
  scopes: { type: 'string' },
  'jwt-access-tokens': { type: 'boolean' },
  'no-rotate-refresh-tokens': { type: 'boolean' },
  'rotate-refresh-tokens': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const usage = (problem: string): ClientCommandError => new ClientCommandError(`accounts-server client: ${problem} (see --help)`, 2);

/** Column widths of the oauthClients table. */
const MAX_NAME = 256;
const MAX_IMAGE_URI = 256;
const MAX_REDIRECT_URI = 1024;
const MAX_SCOPES = 1024;

/** An absolute URI: https://…, a custom scheme of a native app (com.example:/cb) or a URN. */
function checkRedirectUri(uri: string): string {
  let ok: boolean;
  try {
    ok = /^[a-z][a-z0-9+.-]*:/i.test(uri) && !/[\s,]/.test(uri) && new URL(uri).href !== '';
  } catch {
    ok = false;
  }
  if (!ok) throw usage(`--redirect-uri: not an absolute URI: ${JSON.stringify(uri)}`);
  return uri;
}

function parseAdd(args: string[]): ClientCommand {
  let values: Partial<Record<keyof typeof ADD_OPTIONS, string | boolean>>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options: ADD_OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (values.help) return { action: 'help' };
  if (positionals.length > 0) throw usage(`add takes options only, got ${JSON.stringify(positionals[0])}`);
  const name = typeof values.name === 'string' ? values.name.trim() : '';
  if (name === '') throw usage('add needs --name');
  if (name.length > MAX_NAME) throw usage(`--name: at most ${MAX_NAME} characters`);
  if (typeof values['redirect-uri'] !== 'string') throw usage('add needs --redirect-uri');
  const redirectUris = values['redirect-uri']
    .split(',')
    .map((uri) => uri.trim())
    .filter(Boolean)
    .map(checkRedirectUri);
  if (redirectUris.length === 0) throw usage('--redirect-uri: give at least one URI');
  if (redirectUris.join(',').length > MAX_REDIRECT_URI) throw usage(`--redirect-uri: at most ${MAX_REDIRECT_URI} characters in all`);
  const imageUri = typeof values['image-uri'] === 'string' ? values['image-uri'].trim() : '';
  if (imageUri.length > MAX_IMAGE_URI) throw usage(`--image-uri: at most ${MAX_IMAGE_URI} characters`);
  if (imageUri !== '' && !/^https?:\/\/\S+$/.test(imageUri)) throw usage('--image-uri: expected an http(s) URL');
  const allowedScopes = typeof values.scopes === 'string' ? values.scopes.trim().split(/ +/).filter(Boolean).join(' ') : '';
  if (allowedScopes !== '' && !SCOPE_LIST.test(allowedScopes)) throw usage('--scopes: expected scope values separated by spaces');
  if (allowedScopes.length > MAX_SCOPES) throw usage(`--scopes: at most ${MAX_SCOPES} characters`);
  if (values['rotate-refresh-tokens'] && values['no-rotate-refresh-tokens']) {
    throw usage('--rotate-refresh-tokens and --no-rotate-refresh-tokens contradict each other');
  }
  const publicClient = values.public === true;
  return {
    action: 'add',
    client: {
      name,
      redirectUris,
      imageUri,
      publicClient,
      trusted: values.trusted === true,
      canGrant: values['can-grant'] === true,
      allowedScopes,
      jwtAccessTokens: values['jwt-access-tokens'] === true,
      rotateRefreshTokens: values['rotate-refresh-tokens'] === true || (!publicClient && values['no-rotate-refresh-tokens'] !== true),
    },
  };
}

/** Reads the command line; a ClientCommandError (exit code 2) when it is wrong. */
export function parseClientCommand(args: string[]): ClientCommand {
  const [action, ...rest] = args;
  if (action === undefined || action === 'help' || action === '--help' || action === '-h') return { action: 'help' };
  if (action === 'add') return parseAdd(rest);
  if (action === 'list') {
    if (rest.length > 0) throw usage('list takes no arguments');
    return { action };
  }
  if (action === 'rotate-secret' || action === 'remove') {
    const [id, ...extra] = rest;
    if (id === undefined || extra.length > 0) throw usage(`usage: accounts-server client ${action} ID`);
    if (!/^[0-9a-fA-F]{16}$/.test(id)) throw usage(`${action}: a client id is 16 hex digits, got ${JSON.stringify(id)}`);
    return { action, id: id.toLowerCase() };
  }
  throw usage(`unknown command: ${action}`);
}

export interface ClientCommandDeps {
  db: Db;
  registry: ClientRegistry;
  random: RandomSource;
  now: number;
}

function flags(client: OAuthClient): string {
  const set = [
    client.trusted && 'trusted',
    client.canGrant && 'can-grant',
    client.jwtAccessTokens && 'jwt-access-tokens',
    client.rotateRefreshTokens && 'rotate-refresh-tokens',
  ].filter(Boolean);
  return set.length > 0 ? set.join(',') : '-';
}

/** Why a client that is not stored in the database cannot be changed by this command. */
function notHere(client: OAuthClient, action: string): ClientCommandError {
  const why =
    client.source === 'builtin'
      ? `is built in (${client.name}); to switch it off add it to OAUTH_DISABLED_CLIENTS, or set OAUTH_BUILTIN_CLIENTS=false for all of them`
      : action === 'rotate-secret'
        ? 'comes from OAUTH_CLIENTS; rotate there: move its hashedSecret to hashedSecretPrevious and put the SHA-256 of a new secret (`openssl rand -hex 32`) in hashedSecret'
        : 'comes from OAUTH_CLIENTS; remove it there (or list it in OAUTH_DISABLED_CLIENTS) and restart the servers';
  return new ClientCommandError(`accounts-server client: ${action}: client ${client.idHex} ${why}`, 1);
}

async function requireCli(registry: ClientRegistry, idHex: string, action: string): Promise<OAuthClient> {
  const client = await registry.find(idHex);
  if (!client) throw new ClientCommandError(`accounts-server client: ${action}: no client ${idHex} (see \`client list\`)`, 1);
  if (client.source !== 'cli') throw notHere(client, action);
  return client;
}

/** Runs a parsed command on an open, migrated database; returns the lines to print. */
export async function runClientCommand(command: ClientCommand, deps: ClientCommandDeps): Promise<string[]> {
  const { db, registry, random, now } = deps;
  const store = new OAuthClientStore(db);
  switch (command.action) {
    case 'help':
      return [CLIENT_USAGE];
    case 'list': {
      const clients = await registry.list();
      return [
        'id\tsource\tstate\ttype\tflags\tname\tredirect_uri',
        ...clients.map((client) =>
          [
            client.idHex,
            client.source,
            client.disabled ? 'disabled' : 'enabled',
            client.publicClient ? 'public' : 'confidential',
            flags(client),
            client.name,
            client.redirectUris.join(','),
          ].join('\t'),
        ),
      ];
    }
    case 'add': {
      const { client } = command;
      let id: Buffer | undefined;
      for (let attempt = 0; attempt < 5 && !id; attempt++) {
        const candidate = random(8);
        if (!(await registry.find(candidate.toString('hex')))) id = candidate;
      }
      if (!id) throw new ClientCommandError('accounts-server client: add: could not pick an unused client id', 1);
      const secret = client.publicClient ? undefined : random(32).toString('hex');
      await store.insert(
        {
          id,
          ...client,
          hashedSecret: secret === undefined ? null : hashHex(secret),
          hashedSecretPrevious: null,
        },
        now,
      );
      const idHex = id.toString('hex');
      return [
        `client_id\t${idHex}`,
        ...(secret === undefined
          ? [`${client.name}: a public client (PKCE, no secret)`]
          : [
              `client_secret\t${secret}`,
              `${client.name}: keep the secret now, it is not shown again (only its SHA-256 is stored); \`client rotate-secret ${idHex}\` makes a new one`,
            ]),
      ];
    }
    case 'rotate-secret': {
      const client = await requireCli(registry, command.id, command.action);
      if (client.publicClient || !client.hashedSecret) {
        throw new ClientCommandError(
          `accounts-server client: rotate-secret: ${client.idHex} is a public client; it has no secret`,
          1,
        );
      }
      const secret = random(32).toString('hex');
      if (!(await store.rotateSecret(client.id, hashHex(secret), client.hashedSecret))) {
        throw new ClientCommandError(
          `accounts-server client: rotate-secret: ${client.idHex} changed meanwhile; run the command again`,
          1,
        );
      }
      return [
        `client_id\t${client.idHex}`,
        `client_secret\t${secret}`,
        `${client.name}: the new secret is not shown again; the one it replaces keeps working until the next rotation`,
      ];
    }
    case 'remove': {
      const client = await requireCli(registry, command.id, command.action);
      const removed = await db.transaction(() => store.delete(client.id));
      if (!removed) throw new ClientCommandError(`accounts-server client: remove: no client ${client.idHex}`, 1);
      return [`removed ${client.idHex} (${client.name}) with its authorization codes and tokens`];
    }
  }
}
