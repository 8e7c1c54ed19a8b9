import { describe, expect, it } from 'vitest'
import { compileFlow } from '../../src/shared/mapping/compile'
import { flowWith } from '../support/run-steps'

/**
 * A match key the service sends as an object or a list (a malformed row, an expanded lookup
 * where an id was expected) is not a key: as text every such record read "[object Object]",
 * so all of them matched one target record and each overwrote the last. Each fails on its
 * own, with the value shown — with and without the generated runner.
 */
describe('a match key that is not a value', () => {
  for (const codegen of ['never', 'auto'] as const) {
    it(`fails the record instead of keying it "[object Object]" (codegen ${codegen})`, async () => {
      const flow = compileFlow(flowWith('out', ['x'], []), { codegen })
      for (const key of [{ id: 1 }, { id: 2 }, ['a'], true]) {
        const result = await flow.run({ contactid: key, x: 'a' })
        expect(result.kind).toBe('error')
        if (result.kind !== 'error') continue
        expect(result.code).toBe('noKey')
        expect(result.reason).toMatch(/"contactid", the match key, is .* not a text or a number/)
      }
      // Text and numbers are still keys.
      expect(await flow.run({ contactid: 'k-1', x: 'a' })).toMatchObject({ kind: 'ok', key: 'k-1' })
      expect(await flow.run({ contactid: 42, x: 'a' })).toMatchObject({ kind: 'ok', key: '42' })
      expect(await flow.run({ contactid: null, x: 'a' })).toMatchObject({ kind: 'error', code: 'noKey' })
    })
  }
})
