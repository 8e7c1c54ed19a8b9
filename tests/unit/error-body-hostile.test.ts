import { describe, expect, it } from 'vitest'
import { parseErrorBody } from '../../src/main/connectors/http/error-body'

/**
 * A service's error text ends up in a ConnectorError, the run's report, the log and the
 * renderer: however long the service's message, what is kept is bounded, as it already was
 * for a plain-text body (1,000 characters).
 */
const huge = 'Q'.repeat(1_000_000)

describe('error bodies with huge messages', () => {
  for (const [what, body] of [
    ['a Dataverse error', JSON.stringify({ error: { code: '0x80040265', message: huge } })],
    ['an Entra ID error', JSON.stringify({ error: 'invalid_request', error_description: huge })],
    ['a Campaign engine error', JSON.stringify({ code: 500, message: huge })],
    ['a bare JSON string', JSON.stringify(huge)],
    ['plain text', huge]
  ] as const) {
    it(`${what}: the message is cut to at most 1,000 characters`, () => {
      const parsed = parseErrorBody(body)
      expect(parsed.message?.length).toBeGreaterThan(100)
      expect(parsed.message!.length).toBeLessThanOrEqual(1000)
    })
  }

  it('an ordinary message is kept whole', () => {
    expect(parseErrorBody(JSON.stringify({ error: { code: '', message: 'Number of requests exceeded' } })).message).toBe(
      'Number of requests exceeded'
    )
  })
})
