/**
 * The file policy: a mapping file is shared (mailed, committed, attached to a ticket), so it
 * never holds a secret, a token or a machine path — anywhere, free text included. Connections
 * are named, and each machine resolves the name to its own connection profile.
 *
 * The patterns are plain (no nested repetition) and run on strings already bounded in length
 * (document-bounds.ts), so the check costs linear time. A finding never echoes the value.
 */

export const secretAdvice =
  'mapping files never hold secrets; credentials belong in the connection profile, stored encrypted on each machine'
export const pathAdvice =
  'a mapping file is shared between machines and never holds a path of this one — name a connection, or keep the file elsewhere'

/** Keys that name a credential (the advice given for an unknown key such as "clientSecret"). */
export const secretKeyPattern = /secret|password|passwd|token|credential|apikey|api_key|privatekey|private_key/i

const secrets: ReadonlyArray<readonly [RegExp, string]> = [
  [/-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/, 'a private key'],
  [/\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\./, 'a token (a JSON Web Token)'],
  [/\bBearer\s+[\w~+/.=-]{16,}/i, 'a bearer token'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  // Microsoft Entra client secrets: three characters, a digit, "Q~", then about 31 more.
  [/[\w.-]{3}\dQ~[\w~.-]{30,}/, 'a Microsoft Entra client secret'],
  [/\bp8e-[\w-]{20,}/, 'an Adobe client secret'],
  [/\b(?:password|passwd|pwd|client_?secret|api_?key|access_?token|refresh_?token|secret)\s*[:=]\s*[^\s"',;]{4,}/i, 'a credential'],
  [/\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s/:@]{1,200}:[^\s/@]{1,200}@/i, 'an address with a password in it']
]

// A path starts the text or follows a space, quote, bracket or separator.
const paths: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?:^|[\s"'(=,;])[A-Za-z]:\\/, 'a Windows path'],
  [/(?:^|[\s"'(=,;])[A-Za-z]:\/[^/]/, 'a Windows path'],
  [/(?:^|[\s"'(=,;])\\\\[\w.$-]+\\/, 'a network path'],
  [
    /(?:^|[\s"'(=,;])\/(?:Users|home|root|etc|var|opt|tmp|private|mnt|Volumes|usr|srv|media|Library|Applications|System|proc|dev)\//,
    'a path on this machine'
  ],
  [/(?:^|[\s"'(=,;])~\//, 'a path in a home folder'],
  [/\bfile:\/\//i, 'a file address']
]

export interface PolicyFinding {
  kind: 'secret' | 'path'
  what: string
}

/** What a piece of text holds that a mapping file must not, if anything. */
export function policyFinding(text: string): PolicyFinding | undefined {
  if (text.length < 4) return undefined
  for (const [pattern, what] of secrets) if (pattern.test(text)) return { kind: 'secret', what }
  for (const [pattern, what] of paths) if (pattern.test(text)) return { kind: 'path', what }
  return undefined
}

export function policyMessage(finding: PolicyFinding, where: 'value' | 'key'): string {
  const subject = where === 'key' ? 'this key' : 'this text'
  return `${subject} looks like ${finding.what} — remove it: ${finding.kind === 'secret' ? secretAdvice : pathAdvice}`
}
