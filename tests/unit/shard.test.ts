import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fnv1a32, inShard, MAX_SHARDS, normaliseShardKey, parseShard, shardOf } from '../../src/shared/shard'

describe('the shard rule (src/shared/shard.ts, docs/scale.md)', () => {
  it('hashes with 32-bit FNV-1a over UTF-8: the published test vectors', () => {
    // http://www.isthe.com/chongo/src/fnv/test_fnv.c (FNV1A_32 column)
    expect(fnv1a32('')).toBe(0x811c9dc5)
    expect(fnv1a32('a')).toBe(0xe40c292c)
    expect(fnv1a32('foobar')).toBe(0xbf9cf968)
    // Multi-byte characters hash their UTF-8 bytes, as TextEncoder gives them.
    const bytes = (text: string) => {
      let h = 0x811c9dc5
      for (const b of new TextEncoder().encode(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0
      return h
    }
    for (const text of ['é', 'Zoë Ölçü', '日本語', '😀 emoji', 'lone \ud800 surrogate']) expect(fnv1a32(text)).toBe(bytes(text))
  })

  it('puts a GUID in the same shard whatever its case or surrounding space', () => {
    const guid = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'
    expect(normaliseShardKey(` ${guid}\n`)).toBe(guid.toLowerCase())
    for (const n of [2, 3, 4, 7, 16]) expect(shardOf(guid, n)).toBe(shardOf(` ${guid.toLowerCase()} `, n))
    // A documented example any other tool can check: (fnv1a32 of the lower-cased key mod 4) + 1.
    expect(shardOf(guid, 4)).toBe((fnv1a32(guid.toLowerCase()) % 4) + 1)
    // The worked example of docs/scale.md.
    expect(fnv1a32(guid.toLowerCase())).toBe(0x5e8d41a0)
    expect(shardOf(guid, 4)).toBe(1)
  })

  it('gives every key exactly one shard of 1..n, and keyless records to shard 1', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, n) => {
        const owners = Array.from({ length: n }, (_, i) => i + 1).filter((index) => inShard(key, { index, count: n }))
        expect(owners).toHaveLength(1)
        expect(owners[0]).toBe(shardOf(key, n))
      })
    )
    expect(shardOf(undefined, 4)).toBe(1)
    expect(shardOf('   ', 4)).toBe(1)
    expect(inShard(undefined, { index: 2, count: 4 })).toBe(false)
  })

  it('spreads GUIDs evenly enough that n shards share the work', () => {
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 20_000; i++) {
      const hex = (fnv1a32(`seed-${i}`) >>> 0).toString(16).padStart(8, '0')
      counts[shardOf(`${hex}-0000-4000-8000-${String(i).padStart(12, '0')}`, 4) - 1]++
    }
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(300)
  })

  it('reads i/n and refuses what is not one, saying what to type', () => {
    expect(parseShard('2/4')).toEqual({ ok: true, shard: { index: 2, count: 4 } })
    expect(parseShard(' 1 / 1 ')).toEqual({ ok: true, shard: { index: 1, count: 1 } })
    const refused = (text: string) => {
      const parsed = parseShard(text)
      expect(parsed.ok).toBe(false)
      return parsed.ok ? '' : parsed.message
    }
    expect(refused('0/4')).toMatch(/i must be from 1 to 4.*JOB_COMPLETION_INDEX/)
    expect(refused('5/4')).toMatch(/i must be from 1 to 4/)
    expect(refused('a/b')).toMatch(/takes i\/n .*not "a\/b"/)
    expect(refused('1/0')).toMatch(/n must be from 1/)
    expect(refused(`1/${MAX_SHARDS + 1}`)).toMatch(/n must be from 1/)
    expect(refused('2')).toMatch(/takes i\/n/)
    expect(refused('-1/4')).toMatch(/takes i\/n/)
    expect(refused('1.5/4')).toMatch(/takes i\/n/)
  })
})
