import { describe, expect, it } from 'vitest'
import { pathAdvice, policyFinding, policyMessage, secretAdvice, secretKeyPattern } from '../../src/shared/mapping/document-policy'

/**
 * A mapping file is mailed, committed and attached to tickets: it must never carry a secret, a
 * token or a path of the machine it was made on. Each kind is recognised where it appears in
 * free text, and ordinary text that merely resembles one is left alone.
 */

const what = (text: string) => policyFinding(text)?.what

describe('secrets in text', () => {
  const secrets: Array<[string, string]> = [
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow', 'a private key'],
    ['-----BEGIN PRIVATE KEY-----', 'a private key'],
    ['token eyJhbGciOiJIUzI1.eyJzdWIiOiIx.sig', 'a token (a JSON Web Token)'],
    ['Authorization: Bearer abcdefghij0123456789', 'a bearer token'],
    ['bearer\tabc.def~ghi+jkl/mn=', 'a bearer token'],
    ['key AKIAABCDEFGHIJKLMNOP here', 'an AWS access key'],
    ['ASIA0123456789ABCDEF', 'an AWS access key'],
    [`ghp_${'a'.repeat(36)}`, 'a GitHub token'],
    [`see gho_${'B1'.repeat(15)}`, 'a GitHub token'],
    ['xoxb-1234567890-abcdef', 'a Slack token'],
    ['xoxp-abcdefghij', 'a Slack token'],
    [`abc8Q~${'x'.repeat(31)}`, 'a Microsoft Entra client secret'],
    [`a.b1Q~${'A.b-c~'.repeat(6)}`, 'a Microsoft Entra client secret'],
    [`p8e-${'A'.repeat(20)}`, 'an Adobe client secret'],
    ['password=hunter22', 'a credential'],
    ['client_secret: s3cr3t!', 'a credential'],
    ['ClientSecret = abcd', 'a credential'],
    ['api_key=abcd1234', 'a credential'],
    ['refresh_token:abcd', 'a credential'],
    ['pwd = letmein', 'a credential'],
    ['https://anna:hunter2@crm.example.com/', 'an address with a password in it'],
    ['sftp://user:pw@host', 'an address with a password in it']
  ]
  for (const [text, kind] of secrets) {
    it(`${JSON.stringify(text.slice(0, 40))} is ${kind}`, () => {
      expect(policyFinding(text)).toEqual({ kind: 'secret', what: kind })
    })
  }

  it('is not claimed of text that only resembles one', () => {
    for (const text of [
      '-----BEGIN CERTIFICATE-----',
      'eyJhbGciOi.eyJzdWIi.x', // too short to be a token
      'Bearer of good news',
      'AKIA1234', // too short for an AWS key
      'ghp_short',
      'xoxb-123',
      'abc8Q~short',
      'p8e-short',
      'password: abc', // too short to be one
      'password is set per machine',
      'the password field',
      'https://crm.example.com/path:8080@x',
      'https://user@crm.example.com/',
      'nAKIAABCDEFGHIJKLMNOP'
    ]) {
      expect(policyFinding(text), text).toBeUndefined()
    }
  })
})

describe('paths of this machine in text', () => {
  const paths: Array<[string, string]> = [
    ['C:\\Users\\anna\\contoso.json', 'a Windows path'],
    ['saved in d:\\exports', 'a Windows path'],
    ['"C:/Users/anna/x.json"', 'a Windows path'],
    ['\\\\fileserver\\share\\x.json', 'a network path'],
    ['open (\\\\nas.local\\maps\\)', 'a network path'],
    ['/Users/anna/Desktop/map.json', 'a path on this machine'],
    ['copy of /home/anna/notes.txt', 'a path on this machine'],
    ['path=/etc/passwd', 'a path on this machine'],
    ["'/tmp/x'", 'a path on this machine'],
    ['see ~/maps/contoso.json', 'a path in a home folder'],
    ['FILE://server/share', 'a file address']
  ]
  for (const [text, kind] of paths) {
    it(`${JSON.stringify(text)} is ${kind}`, () => {
      expect(policyFinding(text)).toEqual({ kind: 'path', what: kind })
    })
  }

  it('is not claimed of addresses, ratios, fractions or relative paths', () => {
    for (const text of [
      'https://learn.microsoft.com/power-apps/overview',
      'Ratio 1/2, A/B test',
      'docs/sync.md',
      'and/or',
      'ab:\\cd', // a drive letter only at the start or after a separator
      'C://server',
      'tag:/home/x',
      '/usr', // a bare folder, not a path into it
      'a~/b',
      '\\\\server'
    ]) {
      expect(policyFinding(text), text).toBeUndefined()
    }
  })

  it('texts under four characters are never checked', () => {
    expect(what('~/a')).toBeUndefined()
    expect(what('~/ab')).toBe('a path in a home folder')
  })
})

describe('the message', () => {
  it('says what it looks like, never quotes it, and gives the advice for its kind', () => {
    expect(policyMessage({ kind: 'secret', what: 'a bearer token' }, 'value')).toBe(
      `this text looks like a bearer token — remove it: ${secretAdvice}`
    )
    expect(policyMessage({ kind: 'path', what: 'a Windows path' }, 'key')).toBe(
      `this key looks like a Windows path — remove it: ${pathAdvice}`
    )
    expect(secretAdvice).toBe(
      'mapping files never hold secrets; credentials belong in the connection profile, stored encrypted on each machine'
    )
    expect(pathAdvice).toBe(
      'a mapping file is shared between machines and never holds a path of this one — name a connection, or keep the file elsewhere'
    )
  })

  it('keys that name a credential, in any case', () => {
    for (const key of [
      'clientSecret',
      'Password',
      'passwd',
      'accessToken',
      'credentials',
      'apiKey',
      'api_key',
      'privateKey',
      'private_key'
    ]) {
      expect(secretKeyPattern.test(key), key).toBe(true)
    }
    for (const key of ['target', 'from', 'keepUnmatched', 'key', 'api']) expect(secretKeyPattern.test(key), key).toBe(false)
  })
})
