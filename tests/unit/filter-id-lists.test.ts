import { describe, expect, it } from 'vitest'
import { chunkByLength, inList, inLists, MAX_PUSHED_FILTER } from '../../src/shared/mapping/filters'

/** As fetch sends a query value: URL-encoded, ' as %27. */
const sent = (text: string) => encodeURIComponent(text).replace(/'/g, '%27').length
const guid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`

describe('id lists split to fit a Dataverse URL', () => {
  it('500 ids make In() texts within the bound, each id in exactly one, in order', () => {
    const ids = Array.from({ length: 500 }, (_, i) => guid(i))
    expect(sent(inList('contactid', ids))).toBeGreaterThan(MAX_PUSHED_FILTER)
    const texts = inLists('contactid', ids)
    expect(texts.length).toBe(2)
    for (const text of texts) expect(sent(text)).toBeLessThanOrEqual(MAX_PUSHED_FILTER)
    const back = texts.flatMap((text) => text.match(/[0-9a-f]{8}-[0-9a-f-]{27}/g) ?? [])
    expect(back).toEqual(ids)
  })

  it('a short list stays one query; no ids, no query', () => {
    expect(inLists('contactid', [guid(1), guid(2)])).toEqual([inList('contactid', [guid(1), guid(2)])])
    expect(inLists('contactid', [])).toEqual([])
  })

  it('runs keep to a count and a length; an item too long alone gets a run of its own', () => {
    const items = ['a', 'b', 'c', 'x'.repeat(50), 'd', 'e']
    expect(chunkByLength(items, { term: (t) => t, separator: ',', budget: 20, maxItems: 2 })).toEqual([
      ['a', 'b'],
      ['c'],
      ['x'.repeat(50)],
      ['d', 'e']
    ])
    // "'" counts as %27 (3), "," as %2C (3): 'a' costs 7, so two fit 20 (7 + 3 + 7), three do not.
    expect(chunkByLength(["'a'", "'b'", "'c'"], { term: (t) => t, separator: ',', budget: 20 })).toEqual([["'a'", "'b'"], ["'c'"]])
  })
})
