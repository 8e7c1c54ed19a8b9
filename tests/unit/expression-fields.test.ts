import { describe, expect, it } from 'vitest'
import { expressionFields } from '../../src/shared/mapping/transforms/expression'

describe('the fields an expression reads ($select for flows with expressions)', () => {
  it('names in paths, through functions and operators; $value is not a field', () => {
    expect(expressionFields('firstname & " " & lastname')?.sort()).toEqual(['firstname', 'lastname'])
    expect(expressionFields('$uppercase(address1_city)')).toEqual(['address1_city'])
    expect(expressionFields('$value & emailaddress1')).toEqual(['emailaddress1'])
    expect(expressionFields('$.firstname')).toEqual(['firstname'])
    expect(expressionFields('$$.lastname')).toEqual(['lastname'])
  })
  it('the whole record: undefined (every column)', () => {
    expect(expressionFields('$keys($)')).toBeUndefined()
    expect(expressionFields('$lookup($, "x")')).toBeUndefined()
    expect(expressionFields('*')).toBeUndefined()
    expect(expressionFields('**.x')).toBeUndefined()
    expect(expressionFields('((')).toBeUndefined()
  })
})
