/**
 * Removes credentials from any text that may reach a log, an error message or a report:
 * a URL's user info, bearer tokens, JWT-shaped strings, and `secret=` / `token=` style parameters. Registered
 * values (the secrets a connection holds at run time) are removed verbatim too.
 */
const registered = new Set<string>()

/** Remembers a secret value so that redact() removes it wherever it appears. Values under 6 characters are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) registered.add(value)
}

export function forgetSecret(value: string | undefined): void {
  if (value) registered.delete(value)
}

const patterns: Array<[RegExp, string]> = [
  // A URL's user info (a proxy from HTTPS_PROXY, a pasted URL): `http://user:pass@host` → `http://[redacted]@host`.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, '$1[redacted]@'],
  [/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1[redacted]'],
  [/eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g, '[redacted-token]'],
  [
    /(\b(?:client_secret|clientSecret|secret|password|access_token|accessToken|refresh_token|id_token|client_assertion|assertion|device_code|token)["']?\s*[=:]\s*["']?)[^&\s"',}]+/gi,
    '$1[redacted]'
  ]
]

export function redact(text: string): string {
  let out = text
  for (const value of registered) if (out.includes(value)) out = out.split(value).join('[redacted]')
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement)
  return out
}

/** A URL fit for a log: no user info, and query parameters that look like credentials hidden. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    for (const name of [...parsed.searchParams.keys()]) {
      if (/secret|token|password|code|assertion|sig/i.test(name) && !/skiptoken|deltatoken/i.test(name))
        parsed.searchParams.set(name, 'redacted')
    }
    return redact(parsed.toString())
  } catch {
    return redact(url)
  }
}
