import { constants, createHash, verify as verifySignature, X509Certificate } from 'node:crypto'

/**
 * Certificate credentials (RFC 7523 `private_key_jwt`, Entra "client assertion"): the
 * application's registered certificates and the check of a `client_assertion` JWT against
 * them. The signature is verified for real with node:crypto against the registered public
 * key, found by the header's `x5t` (SHA-1 thumbprint) or `x5t#S256` (SHA-256 thumbprint).
 *
 * Entra documents RS256 for assertions; msal-node (v3+) signs PS256 when given a SHA-256
 * thumbprint, which Entra also accepts, so both are verified here.
 */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

export interface RegisteredCertificate {
  /** SHA-1 of the DER, uppercase hex (what the Entra portal shows as "Thumbprint"). */
  thumbprint: string
  /** SHA-256 of the DER, uppercase hex. */
  thumbprintSha256: string
  certificate: X509Certificate
}

export interface AssertionContext {
  clientId: string
  /** Token endpoint URLs the `aud` claim may name (v2.0 and v1 endpoint, tenant id or the requested segment). */
  audiences: string[]
  nowMs: number
}

/** Why an assertion was refused, as Entra reports it (code, `error`, message). */
export interface AssertionProblem {
  status: number
  error: string
  code: number
  message: string
}

/** Allowed clock skew for exp/nbf (Entra tolerates about five minutes). */
const SKEW_SECONDS = 300

const docs =
  'Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .'

export class CertificateRegistry {
  private readonly certificates = new Map<string, RegisteredCertificate>()

  /** Registers a certificate (PEM) as a credential of the app, like uploading it under "Certificates & secrets". */
  add(pem: string): RegisteredCertificate {
    const certificate = new X509Certificate(pem)
    const entry: RegisteredCertificate = {
      thumbprint: createHash('sha1').update(certificate.raw).digest('hex').toUpperCase(),
      thumbprintSha256: createHash('sha256').update(certificate.raw).digest('hex').toUpperCase(),
      certificate
    }
    this.certificates.set(entry.thumbprintSha256, entry)
    return entry
  }

  /** Removes a certificate by either thumbprint (hex, any case). */
  remove(thumbprint: string): boolean {
    const wanted = thumbprint.toUpperCase()
    for (const [key, entry] of this.certificates) {
      if (entry.thumbprint === wanted || entry.thumbprintSha256 === wanted) return this.certificates.delete(key)
    }
    return false
  }

  list(): RegisteredCertificate[] {
    return [...this.certificates.values()]
  }

  private find(kind: 'sha1' | 'sha256', hex: string): RegisteredCertificate | undefined {
    for (const entry of this.certificates.values()) {
      if ((kind === 'sha1' ? entry.thumbprint : entry.thumbprintSha256) === hex) return entry
    }
    return undefined
  }

  /** Verifies a client assertion; returns undefined when it is acceptable. */
  verify(assertionType: string | null, assertion: string, context: AssertionContext): AssertionProblem | undefined {
    const malformed = (detail: string): AssertionProblem => ({
      status: 401,
      error: 'invalid_client',
      code: 50027,
      message: `JWT token is invalid or malformed. ${detail}`
    })
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
      return {
        status: 400,
        error: 'invalid_request',
        code: 900144,
        message: `The request body must contain the following parameter: 'client_assertion_type'. Its value must be '${JWT_BEARER_ASSERTION_TYPE}'.`
      }
    }
    const parts = assertion.split('.')
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return malformed('The assertion is not a compact JWS.')
    let header: Record<string, unknown>
    let claims: Record<string, unknown>
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>
    } catch {
      return malformed('The header or the payload is not JSON.')
    }
    if (header.alg !== 'RS256' && header.alg !== 'PS256')
      return malformed(`Unsupported signing algorithm '${String(header.alg)}'; use RS256 (or PS256).`)

    const sha256 = typeof header['x5t#S256'] === 'string' ? (header['x5t#S256'] as string) : undefined
    const sha1 = typeof header.x5t === 'string' ? (header.x5t as string) : undefined
    const given = sha256 ?? sha1
    const hex = given ? Buffer.from(given, 'base64url').toString('hex').toUpperCase() : ''
    const keyProblem = (reason: string): AssertionProblem => ({
      status: 401,
      error: 'invalid_client',
      code: 700027,
      message: `Client assertion contains an invalid signature. [Reason - ${reason}, Thumbprint of key used by client: '${hex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${context.clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to learn more.]`
    })
    if (!given) return keyProblem('The key was not found.')
    const entry = this.find(sha256 ? 'sha256' : 'sha1', hex)
    if (!entry) return keyProblem('The key was not found.')
    const { certificate } = entry
    if (Date.parse(certificate.validTo) < context.nowMs) return keyProblem('The key used is expired.')
    if (Date.parse(certificate.validFrom) > context.nowMs) return keyProblem('The key used is not yet valid.')

    const signed = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii')
    const signature = Buffer.from(parts[2], 'base64url')
    const key = certificate.publicKey
    let valid: boolean
    try {
      valid =
        header.alg === 'PS256'
          ? verifySignature(
              'sha256',
              signed,
              { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
              signature
            )
          : verifySignature('sha256', signed, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
    } catch {
      valid = false
    }
    if (!valid) return keyProblem('The provided signature value did not match the expected signature value.')

    if (claims.iss !== context.clientId || claims.sub !== context.clientId) {
      return {
        status: 401,
        error: 'invalid_client',
        code: 700021,
        message: `Client assertion application identifier doesn't match 'client_id' parameter. ${docs}`
      }
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    if (!audiences.some((aud) => typeof aud === 'string' && context.audiences.includes(aud.replace(/\/$/, '')))) {
      return {
        status: 401,
        error: 'invalid_client',
        code: 700023,
        message: `Client assertion audience claim does not match Realm issuer. Expected '${context.audiences[0]}', got '${String(claims.aud)}'. ${docs}`
      }
    }
    if (typeof claims.exp !== 'number') return malformed("The 'exp' claim is missing.")
    if (typeof claims.jti !== 'string' || !claims.jti) return malformed("The 'jti' claim is missing.")
    const now = Math.floor(context.nowMs / 1000)
    const nbf = typeof claims.nbf === 'number' ? claims.nbf : now
    if (claims.exp + SKEW_SECONDS < now || nbf - SKEW_SECONDS > now) {
      const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
      return {
        status: 401,
        error: 'invalid_client',
        code: 700024,
        message: `Client assertion is not within its valid time range. Current time: ${iso(now)}, assertion valid from ${iso(nbf)}, expiry time of assertion ${iso(claims.exp)}. ${docs}`
      }
    }
    return undefined
  }
}
