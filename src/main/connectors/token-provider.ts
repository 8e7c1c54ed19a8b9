/**
 * Where a connector gets its bearer token. Implementations cache and refresh; a connector
 * calls getToken() before each request and getToken({ forceRefresh: true }) once after the
 * service rejected a token (expired or revoked mid-run).
 */
export interface TokenProvider {
  getToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<string>
  /** How this provider signs in, for reports ("client secret", "device code", …). */
  readonly method: string
  /** Forgets cached tokens (and the persisted cache where there is one). */
  signOut?(): Promise<void>
}

/**
 * Where a sign-in keeps its tokens between runs. The app passes its secret store (encrypted at
 * rest, docs/connections.md); the connectors know only these three calls, not where it lives.
 */
export interface TokenStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
}

/** A pre-acquired bearer token (scripts, CI). It cannot be refreshed. */
export class StaticTokenProvider implements TokenProvider {
  readonly method = 'bearer token'
  constructor(private readonly token: string) {}
  async getToken(): Promise<string> {
    return this.token
  }
}
