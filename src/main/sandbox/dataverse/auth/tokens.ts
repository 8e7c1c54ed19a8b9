import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Access tokens the sandbox issues: JWT-shaped (HS256 with a per-launch key) so clients
 * that peek at `exp` work, but verifiable only by this sandbox.
 */
export interface TokenClaims {
  aud: string
  iss: string
  iat: number
  nbf: number
  exp: number
  tid: string
  appid: string
  oid: string
  sub: string
  ver: '1.0'
  scp?: string
  name?: string
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

export class TokenSigner {
  private readonly key = randomBytes(32)

  sign(claims: TokenClaims): string {
    const head = `${b64({ typ: 'JWT', alg: 'HS256', kid: 'sync-studio-sandbox' })}.${b64(claims)}`
    return `${head}.${createHmac('sha256', this.key).update(head).digest('base64url')}`
  }

  /** Returns the claims of a token this sandbox signed, or why it is not acceptable. */
  verify(token: string, nowSeconds: number): { claims: TokenClaims } | { problem: 'invalid' | 'expired' } {
    const parts = token.split('.')
    if (parts.length !== 3) return { problem: 'invalid' }
    const expected = createHmac('sha256', this.key).update(`${parts[0]}.${parts[1]}`).digest()
    const given = Buffer.from(parts[2], 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { problem: 'invalid' }
    let claims: TokenClaims
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims
    } catch {
      return { problem: 'invalid' }
    }
    if (claims.exp <= nowSeconds) return { problem: 'expired' }
    return { claims }
  }
}

/** An id_token for public-client sign-ins; msal only decodes it, so it is not signed. */
export function unsignedIdToken(claims: Record<string, unknown>): string {
  return `${b64({ typ: 'JWT', alg: 'none' })}.${b64(claims)}.`
}

export function clientInfo(uid: string, utid: string): string {
  return Buffer.from(JSON.stringify({ uid, utid })).toString('base64url')
}
