import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SourceKeyFiles } from '../../src/main/sync/source-keys'

// The keys a flow matched on an alternate key last read for each Dynamics row (src/main/sync/source-keys.ts):
// what a deletion named by id alone is deleted by.

let root: string | undefined
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true })
  root = undefined
})

const scope = ['contacts', 'contact', 'new_externalkey', 'sandbox']
const generations = async (journal: string) =>
  (await readdir(join(journal, 'keys'), { recursive: true })).filter((f) => f.endsWith('.jsonl'))

describe('the keys a flow last read', () => {
  it('names a deleted row by the key last read for it; a row never read is unknown; a key another row took is kept', async () => {
    root = await mkdtemp(join(tmpdir(), 'source-keys-'))
    const first = SourceKeyFiles.open(root, scope, { write: true })
    await first.begin(true)
    await first.note([
      ['a', 'K1'],
      ['b', 'K2'],
      ['c', 'K3']
    ])
    await first.completed()
    // The next run: b's key changed; c's key moved to d.
    const next = SourceKeyFiles.open(root, scope, { write: true })
    await next.begin(false)
    await next.note([
      ['b', 'K2b'],
      ['d', 'K3']
    ])
    expect(await next.deleted(['a', 'b', 'c', 'x'])).toEqual({ keys: ['K1', 'K2b'], unknown: 1, taken: 1 })
    // Text any id or key may hold (quotes, tabs, new lines) is kept as written.
    await next.note([['odd "id"\t1', 'K "quoted"\nkey']])
    expect(await next.deleted(['odd "id"\t1'])).toEqual({ keys: ['K "quoted"\nkey'], unknown: 0, taken: 0 })
    // Once deleted, a row is not deleted (or counted) again in the same run.
    expect(await next.deleted(['a'])).toEqual({ keys: [], unknown: 0, taken: 0 })
  })

  it('a dry run writes nothing and still resolves what it read; a line a crash cut short is no key', async () => {
    root = await mkdtemp(join(tmpdir(), 'source-keys-'))
    const run = SourceKeyFiles.open(root, scope, { write: true })
    await run.begin(true)
    await run.note([['a', 'K1']])
    const [file] = await generations(root)
    await appendFile(join(root, 'keys', file), '["b","K') // torn
    const dry = SourceKeyFiles.open(root, scope, { write: false })
    await dry.begin(false)
    await dry.note([['c', 'K3']])
    expect(await generations(root)).toHaveLength(1)
    expect(await dry.deleted(['a', 'b', 'c'])).toEqual({ keys: ['K1', 'K3'], unknown: 1, taken: 0 })
    // The next append starts on a line of its own: the torn line does not swallow it.
    await run.note([['e', 'K5']])
    const after = SourceKeyFiles.open(root, scope, { write: false })
    expect(await after.deleted(['e'])).toEqual({ keys: ['K5'], unknown: 0, taken: 0 })
  })

  it('a completed read from the start removes the generations before it; an incremental one keeps them', async () => {
    root = await mkdtemp(join(tmpdir(), 'source-keys-'))
    const full = SourceKeyFiles.open(root, scope, { write: true })
    await full.begin(true)
    await full.note([['a', 'K1']])
    await full.completed()
    await new Promise((resolve) => setTimeout(resolve, 2))
    const incremental = SourceKeyFiles.open(root, scope, { write: true })
    await incremental.begin(false)
    await incremental.note([['b', 'K2']])
    await incremental.completed()
    expect(await generations(root)).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 2))
    const again = SourceKeyFiles.open(root, scope, { write: true })
    await again.begin(true)
    await again.note([['a', 'K1']])
    expect(await generations(root)).toHaveLength(2)
    await again.completed()
    expect(await generations(root)).toHaveLength(1)
    // b was in the generation removed: the full read saw every row, and b was not among them (deleted since).
    expect(await SourceKeyFiles.open(root, scope, { write: false }).deleted(['a', 'b'])).toEqual({ keys: ['K1'], unknown: 1, taken: 0 })
  })
})
