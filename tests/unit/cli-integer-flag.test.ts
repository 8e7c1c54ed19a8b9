import { describe, expect, it } from 'vitest'
import { integerFlag, UsageError } from '../../src/main/cli/command'

describe('a whole-number option of the command line', () => {
  it('takes digits within its range, and nothing when absent', () => {
    expect(integerFlag('port', '8080', 0, 65_535)).toBe(8080)
    expect(integerFlag('port', '0', 0, 65_535)).toBe(0)
    expect(integerFlag('limit', ' 50 ', 1, 5000)).toBe(50)
    expect(integerFlag('limit', undefined, 1, 5000)).toBeUndefined()
  })

  it('refuses what Number() would have read as something else, naming the option and the range', () => {
    for (const text of ['0x50', '1e3', '', ' ', '-1', '+5', '12.0', '65536', 'abc', '99999999999999999999'])
      expect(() => integerFlag('port', text, 0, 65_535), text).toThrow(UsageError)
    expect(() => integerFlag('port', '0x50', 0, 65_535)).toThrow('--port must be a whole number from 0 to 65,535, not "0x50"')
  })
})
