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
    await first.begin('start')
    await first.note([
      ['a', 'K1'],
      ['b', 'K2'],
      ['c', 'K3']
    ])
    await first.completed()
    // The next run: b's key changed; c's key moved to d.
    const next = SourceKeyFiles.open(root, scope, { write: true })
    await next.begin('changes')
    await next.note([
      ['b', 'K2b'],
      ['d', 'K3']
    ])
    expect(await next.deleted(['a', 'b', 'c', 'x'])).toEqual({ keys: ['K1', 'K2b'], unknown: 1, takenKeys: ['K3'] })
    // Text any id or key may hold (quotes, tabs, new lines) is kept as written.
    await next.note([['odd "id"\t1', 'K "quoted"\nkey']])
    expect(await next.deleted(['odd "id"\t1'])).toEqual({ keys: ['K "quoted"\nkey'], unknown: 0, takenKeys: [] })
    // Once deleted, a row is not deleted (or counted) again in the same run.
    expect(await next.deleted(['a'])).toEqual({ keys: [], unknown: 0, takenKeys: [] })
  })

  it('a dry run writes nothing and still resolves what it read; a line a crash cut short is no key', async () => {
    root = await mkdtemp(join(tmpdir(), 'source-keys-'))
    const run = SourceKeyFiles.open(root, scope, { write: true })
    await run.begin('start')
    await run.note([['a', 'K1']])
    const [file] = await generations(root)
    await appendFile(join(root, 'keys', file), '["b","K') // torn
    const dry = SourceKeyFiles.open(root, scope, { write: false })
    await dry.begin('changes')
    await dry.note([['c', 'K3']])
    expect(await generations(root)).toHaveLength(1)
    expect(await dry.deleted(['a', 'b', 'c'])).toEqual({ keys: ['K1', 'K3'], unknown: 1, takenKeys: [] })
    // The next append starts on a line of its own: the torn line does not swallow it.
    await run.note([['e', 'K5']])
    const after = SourceKeyFiles.open(root, scope, { write: false })
    expect(await after.deleted(['e'])).toEqual({ keys: ['K5'], unknown: 0, takenKeys: [] })
  })

  it('a completed read from the start removes the generations before it; an incremental one keeps them', async () => {
    root = await mkdtemp(join(tmpdir(), 'source-keys-'))
    const full = SourceKeyFiles.open(root, scope, { write: true })
    await full.begin('start')
    await full.note([['a', 'K1']])
    await full.completed()
    await new Promise((resolve) => setTimeout(resolve, 2))
    const incremental = SourceKeyFiles.open(root, scope, { write: true })
    await incremental.begin('changes')
    await incremental.note([['b', 'K2']])
    await incremental.completed()
    // The read of every row and the changes read after it.
    expect(await generations(root)).toHaveLength(2)
    await new Promise((resolve) => setTimeout(resolve, 2))
    const again = SourceKeyFiles.open(root, scope, { write: true })
    await again.begin('start')
    await again.note([['a', 'K1']])
    expect(await generations(root)).toHaveLength(3)
    await again.completed()
    expect(await generations(root)).toHaveLength(1)
    // b was in the generation removed: the full read saw every row, and b was not among them (deleted since).
    expect(await SourceKeyFiles.open(root, scope, { write: false }).deleted(['a', 'b'])).toEqual({
      keys: ['K1'],
      unknown: 1,
      takenKeys: []
    })
  })

  it('a key another row took and gave up since is not taken; a dry run resolves as the run does, in the order read', async () => {
    root = await mkdtemp(join(tmpdir(), 'source-keys-'))
    const notes: Array<Array<[string, string]>> = [
      [['d', 'K']],
      [['x', 'K']], // x took K (d's key changed unseen, then x's)
      [['x', 'K9']], // x gave it up
      [['d', 'K']] // d read again with K: the latest holder
    ]
    const run = SourceKeyFiles.open(root, scope, { write: true })
    await run.begin('changes')
    for (const pairs of notes.slice(0, 3)) await run.note(pairs)
    // d's last line names K, and no row holds K after it: d's record is deleted by K.
    expect(await SourceKeyFiles.open(root, scope, { write: false }).deleted(['d'])).toMatchObject({ keys: ['K'], takenKeys: [] })
    // The same notes in a dry run (kept in memory) give the same answer as in files.
    const dryRoot = await mkdtemp(join(tmpdir(), 'source-keys-dry-'))
    try {
      const dry = SourceKeyFiles.open(dryRoot, scope, { write: false })
      await dry.begin('changes')
      for (const pairs of notes) await dry.note(pairs)
      await run.note(notes[3])
      const fromFiles = await SourceKeyFiles.open(root, scope, { write: false }).deleted(['x', 'd'])
      expect(await dry.deleted(['x', 'd'])).toEqual(fromFiles)
      expect(fromFiles).toEqual({ keys: ['K9', 'K'], unknown: 0, takenKeys: [] })
      // x took K after d: d's deletion keeps the record (x's now).
      const other = SourceKeyFiles.open(dryRoot, ['another'], { write: false })
      await other.begin('changes')
      await other.note([['d', 'K']])
      await other.note([['x', 'K']])
      expect(await other.deleted(['d'])).toEqual({ keys: [], unknown: 0, takenKeys: ['K'] })
    } finally {
      await rm(dryRoot, { recursive: true, force: true })
    }
  })

  it('a torn line whose key holds an escaped quote is no key (it would not parse later)', async () => {
    root = await mkdtemp(join(tmpdir(), 'source-keys-'))
    const run = SourceKeyFiles.open(root, scope, { write: true })
    await run.begin('start')
    await run.note([['a', 'K1']])
    const [file] = await generations(root)
    await appendFile(join(root, 'keys', file), '\n["b","a\\"]') // cut after an escaped quote: ends with "]
    expect(await SourceKeyFiles.open(root, scope, { write: false }).deleted(['a', 'b'])).toEqual({
      keys: ['K1'],
      unknown: 1,
      takenKeys: []
    })
  })

  it('a read of every row resumed goes on in its own generation and trims the older ones once complete; its dry run keeps nothing', async () => {
    root = await mkdtemp(join(tmpdir(), 'source-keys-'))
    const old = SourceKeyFiles.open(root, scope, { write: true })
    await old.begin('start')
    await old.note([['a', 'K1']])
    await new Promise((resolve) => setTimeout(resolve, 2))
    const stopped = SourceKeyFiles.open(root, scope, { write: true })
    await stopped.begin('start')
    await stopped.note([['b', 'K2']])
    // Stopped there; resumed in another run: the rest of the listing.
    const resumed = SourceKeyFiles.open(root, scope, { write: true })
    await resumed.begin('whole')
    await resumed.note([['c', 'K3']])
    expect(await generations(root)).toHaveLength(2)
    await resumed.completed()
    expect(await generations(root)).toHaveLength(1)
    expect(await SourceKeyFiles.open(root, scope, { write: false }).deleted(['a', 'b', 'c'])).toMatchObject({
      keys: ['K2', 'K3'],
      unknown: 1
    })
    const plan = SourceKeyFiles.open(root, scope, { write: false })
    await plan.begin('whole')
    await plan.note([['d', 'K4']])
    expect(await plan.deleted(['d'])).toMatchObject({ unknown: 1 })
  })

  it('a run of the changes that leaves the files well past the last read of every row advises the read that trims them', async () => {
    root = await mkdtemp(join(tmpdir(), 'source-keys-'))
    const grown = { bytes: 200, ratio: 3 }
    const full = SourceKeyFiles.open(root, scope, { write: true, grown })
    await full.begin('start')
    await full.note([['a', 'K1']])
    expect(await full.completed()).toBeUndefined()
    const changes = SourceKeyFiles.open(root, scope, { write: true, grown })
    await changes.begin('changes')
    await changes.note([['b', 'K2']])
    expect(await changes.completed()).toBeUndefined()
    for (let i = 0; i < 20; i++) await changes.note([[`id-${i}`, `KEY-${i}`]])
    expect(await changes.completed()).toMatch(
      /^the keys kept to apply Dynamics deletions have grown to 0 MB \(\d+\.\d× the last read of every row\).*a run with --full \(Full replay\) reads every row again and trims them$/
    )
  })
})
