import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SentPayloadFile } from '../../src/main/sync/sent-payloads'

let root: string | undefined
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true })
  root = undefined
})

describe('the sent-payload file of a flow', () => {
  it('is rewritten with its live lines once mostly superseded: the same digests read back, no temporary file left', async () => {
    root = await mkdtemp(join(tmpdir(), 'sent-'))
    // 1,000 keys, each recorded 12 times over runs (the last one wins), 100 of them forgotten.
    const writer = await SentPayloadFile.open(root, 'flow@identity', { load: true })
    for (let round = 0; round < 12; round++) for (let i = 0; i < 1000; i++) writer.record(`key-${i}`, `digest-${i}-${round}`)
    for (let i = 0; i < 100; i++) writer.forget(`key-${i}`)
    await writer.flush()
    const [file] = await readdir(join(root, 'sent'))
    const before = (await readFile(join(root, 'sent', file), 'utf8')).split('\n').filter(Boolean)
    expect(before).toHaveLength(12_100)

    // The next run's load finds 12,100 lines for 900 live keys: it rewrites the file with those.
    const reader = await SentPayloadFile.open(root, 'flow@identity', { load: true })
    const after = (await readFile(join(root, 'sent', file), 'utf8')).split('\n').filter(Boolean)
    expect(after).toHaveLength(900)
    expect(await readdir(join(root, 'sent'))).toEqual([file])
    expect(reader.get('key-0')).toBeUndefined()
    expect(reader.get('key-100')).toBe('digest-100-11')
    expect(reader.get('key-999')).toBe('digest-999-11')

    // And reads back the same.
    const again = await SentPayloadFile.open(root, 'flow@identity', { load: true })
    for (const i of [100, 500, 999]) expect(again.get(`key-${i}`)).toBe(`digest-${i}-11`)
    expect(again.get('key-50')).toBeUndefined()
  })
})
