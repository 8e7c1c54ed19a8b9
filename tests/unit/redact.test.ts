// What redact() removes from any text that may reach a log, an error or a report (src/main/connectors/http/redact.ts).
import { describe, expect, it } from 'vitest'
import { redact, redactUrl } from '../../src/main/connectors/http/redact'

describe('redact', () => {
  it("removes a URL's user info wherever the URL is in the text, and keeps the rest of it", () => {
    expect(redact('The proxy http://puser:ProxyPassw0rd9@127.0.0.1:9/ (from HTTPS_PROXY) could not be reached')).toBe(
      'The proxy http://[redacted]@127.0.0.1:9/ (from HTTPS_PROXY) could not be reached'
    )
    expect(redact('via https://only-a-token@proxy.example:8080 and socks5://u:p@h')).toBe(
      'via https://[redacted]@proxy.example:8080 and socks5://[redacted]@h'
    )
    // An @ after the host is the path's or the query's, not user info.
    expect(redact('https://host.example/people/@me?x=a@b')).toBe('https://host.example/people/@me?x=a@b')
    expect(redact('mailto-like text a@b.co stays')).toBe('mailto-like text a@b.co stays')
  })

  it('redactUrl drops user info and credential-like parameters', () => {
    expect(redactUrl('http://user:pass@proxy.example:3128/')).toBe('http://proxy.example:3128/')
    expect(redactUrl('https://x.example/?client_secret=abc&$skiptoken=1')).toBe(
      'https://x.example/?client_secret=[redacted]&%24skiptoken=1'
    )
  })
})
