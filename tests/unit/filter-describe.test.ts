// A filter in words: what the preview says a skipped record was "filtered out" by, and each line
// of the plan's explanation. Groups are bracketed only where the words would otherwise be read
// another way ("a and b or c").
import { describe, expect, it } from 'vitest'
import type { Filter } from '../../src/shared/mapping/filter'
import { describeFilter } from '../../src/shared/mapping/filters'

const active: Filter = { field: 'statecode', op: 'eq', value: 0 }
const berg: Filter = { field: 'lastname', op: 'startsWith', value: 'Berg' }
const noEmail: Filter = { field: 'emailaddress1', op: 'null' }

describe('a filter in words', () => {
  it('says each kind of condition', () => {
    expect(describeFilter(active)).toBe('statecode eq 0')
    expect(describeFilter(berg)).toBe('lastname startsWith "Berg"')
    expect(describeFilter({ field: 'x', op: 'ne', value: null })).toBe('x ne null')
    expect(describeFilter(noEmail)).toBe('emailaddress1 does not contain data')
    expect(describeFilter({ field: 'emailaddress1', op: 'notNull' })).toBe('emailaddress1 contains data')
    expect(describeFilter({ field: 'gendercode', op: 'in', values: [1, 'two', null] })).toBe('gendercode in [1, "two", null]')
    expect(describeFilter({ field: 'gendercode', op: 'notIn', values: [1, 2] })).toBe('gendercode not in [1, 2]')
    expect(describeFilter({ field: 'createdon', op: 'lastXDays', days: 7 })).toBe('createdon in the last 7 days')
    expect(describeFilter({ field: 'age', op: 'between', from: 18, to: '65' })).toBe('age between 18 and "65"')
  })

  it('joins groups, brackets a group of several inside another, and says an empty group', () => {
    expect(describeFilter({ all: [active, berg] })).toBe('statecode eq 0 and lastname startsWith "Berg"')
    expect(describeFilter({ any: [active, noEmail] })).toBe('statecode eq 0 or emailaddress1 does not contain data')
    expect(describeFilter({ all: [active, { any: [berg, noEmail] }] })).toBe(
      'statecode eq 0 and (lastname startsWith "Berg" or emailaddress1 does not contain data)'
    )
    expect(describeFilter({ any: [{ all: [active, berg] }, noEmail] })).toBe(
      '(statecode eq 0 and lastname startsWith "Berg") or emailaddress1 does not contain data'
    )
    // A group of one needs no brackets.
    expect(describeFilter({ all: [active, { any: [berg] }] })).toBe('statecode eq 0 and lastname startsWith "Berg"')
    expect(describeFilter({ any: [{ all: [berg] }, noEmail] })).toBe('lastname startsWith "Berg" or emailaddress1 does not contain data')
    expect(describeFilter({ not: { any: [active, berg] } })).toBe('not (statecode eq 0 or lastname startsWith "Berg")')
    expect(describeFilter({ not: active })).toBe('not statecode eq 0')
    expect(describeFilter({ all: [] })).toBe('(always)')
    expect(describeFilter({ any: [] })).toBe('(never)')
    expect(describeFilter({ not: { all: [] } })).toBe('not (always)')
  })
})
