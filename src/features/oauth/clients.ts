// The OAuth client registry: Mozilla's browsers built in (OAUTH_BUILTIN_CLIENTS), the clients of
// OAUTH_CLIENTS, both held in memory, then those `accounts-server client add` stored in the
// database. OAUTH_DISABLED_CLIENTS marks any of them disabled. FxA seeds its config clients
// into its table; here they stay in memory, so the config is the only place they change.

import type { Db } from '../../db/index.js';
import { OAuthError } from '../../errors.js';
import { builtinClients, CLIENT_ID_HEX, type OAuthClient } from './client-settings.js';
import { OAuthClientStore } from './client-store.js';

export type { OAuthClient } from './client-settings.js';

export interface ClientRegistryOptions {
  db: Db;
  /** OAUTH_BUILTIN_CLIENTS */
  builtin: boolean;
  /** OAUTH_CLIENTS; an entry with a built-in client's id replaces it. */
  configured: readonly OAuthClient[];
  /** OAUTH_DISABLED_CLIENTS, 16 hex each. */
  disabled: readonly string[];
}

export class ClientRegistry {
  private readonly inMemory = new Map<string, OAuthClient>();
  private readonly disabled: ReadonlySet<string>;
  private readonly store: OAuthClientStore;

  constructor(options: ClientRegistryOptions) {
    this.store = new OAuthClientStore(options.db);
    this.disabled = new Set(options.disabled);
    for (const client of [...(options.builtin ? builtinClients() : []), ...options.configured]) {
      this.inMemory.set(client.idHex, client);
    }
  }

  private mark(client: OAuthClient): OAuthClient {
    return { ...client, redirectUris: [...client.redirectUris], disabled: this.disabled.has(client.idHex) };
  }

  /** The client with this id (16 hex), or undefined, also for a malformed id. */
  async find(clientIdHex: string): Promise<OAuthClient | undefined> {
    const idHex = clientIdHex.toLowerCase();
    if (!CLIENT_ID_HEX.test(idHex)) return undefined;
    const known = this.inMemory.get(idHex) ?? (await this.store.find(Buffer.from(idHex, 'hex')));
    return known && this.mark(known);
  }

  /** The client with this id; OAuthError 101 (unknown client) when there is none. */
  async require(clientIdHex: string): Promise<OAuthClient> {
    const client = await this.find(clientIdHex);
    if (!client) throw OAuthError.unknownClient(clientIdHex);
    return client;
  }

  /** Whether a client with this id is held in memory (built in or configured): the database cannot override it. */
  isReserved(clientIdHex: string): boolean {
    return this.inMemory.has(clientIdHex.toLowerCase());
  }

  /** Every client: built-in and configured ones first, then the database's (oldest first). */
  async list(): Promise<OAuthClient[]> {
    const stored = (await this.store.list()).filter((client) => !this.inMemory.has(client.idHex));
    return [...this.inMemory.values(), ...stored].map((client) => this.mark(client));
  }

  /** Calls `visit` with each client of `list()`, in its order. */
  async forEachKnown(visit: (client: OAuthClient) => void | Promise<void>): Promise<void> {
    for (const client of await this.list()) await visit(client);
  }
}
