// The rows a parent's delete took from Campaign wait for their parent, in a file per child flow
// (src/main/sync/orphaned-rows.ts): what a later run reads back depends on the order of deletes
// and returns, and the file never loses a row that still waits.
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { noteOrphans, noteParentsBack, orphanedRows } from '../../src/main/sync/orphaned-rows'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'orphans-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const read = () => orphanedRows(root, 'vehicles', 'id')

describe('orphaned rows', () => {
  it('are read back once their parent is back, and only those', async () => {
    await noteOrphans(root, 'vehicles', 'id', [
      { key: 'v1', parent: 'p1' },
      { key: 'v2', parent: 'p1' },
      { key: 'v3', parent: 'p2' }
    ])
    await noteParentsBack(root, 'vehicles', 'id', ['p1'])
    const rows = await read()
    expect([...rows.back.keys()].sort()).toEqual(['v1', 'v2'])
    expect([...rows.waiting]).toEqual([['v3', 'p2']])
    // Another flow or identity has its own file.
    expect((await orphanedRows(root, 'vehicles', 'other')).back.size).toBe(0)
  })

  it('a parent deleted again after its return holds the rows orphaned since, not those before', async () => {
    await noteOrphans(root, 'vehicles', 'id', [{ key: 'v1', parent: 'p1' }])
    await noteParentsBack(root, 'vehicles', 'id', ['p1'])
    await noteOrphans(root, 'vehicles', 'id', [{ key: 'v2', parent: 'p1' }])
    const rows = await read()
    expect([...rows.back]).toEqual([['v1', 'p1']])
    expect([...rows.waiting]).toEqual([['v2', 'p1']])
    // Rewritten without what was read, the order still says so.
    await rows.done([])
    const again = await read()
    expect([...again.back]).toEqual([['v1', 'p1']])
    expect([...again.waiting]).toEqual([['v2', 'p1']])
  })

  it('done drops the rows read, keeps the rest, and removes the file when nothing waits', async () => {
    await noteOrphans(root, 'vehicles', 'id', [
      { key: 'v1', parent: 'p1' },
      { key: 'v2', parent: 'p2' }
    ])
    await noteParentsBack(root, 'vehicles', 'id', ['p1'])
    await (await read()).done(['v1'])
    const rows = await read()
    expect(rows.back.size).toBe(0)
    expect([...rows.waiting]).toEqual([['v2', 'p2']])
    await noteParentsBack(root, 'vehicles', 'id', ['p2'])
    await (await read()).done(['v2'])
    expect(await readdir(join(root, 'sent'))).toEqual([])
  })

  it('a row orphaned again by another parent waits for that one', async () => {
    await noteOrphans(root, 'vehicles', 'id', [{ key: 'v1', parent: 'p1' }])
    await noteOrphans(root, 'vehicles', 'id', [{ key: 'v1', parent: 'p2' }])
    await noteParentsBack(root, 'vehicles', 'id', ['p1'])
    const rows = await read()
    expect(rows.back.size).toBe(0)
    expect([...rows.waiting]).toEqual([['v1', 'p2']])
  })

  it('a row read back whose parent was gone again waits for it again; the others are done', async () => {
    await noteOrphans(root, 'vehicles', 'id', [
      { key: 'v1', parent: 'p1' },
      { key: 'v2', parent: 'p1' }
    ])
    await noteParentsBack(root, 'vehicles', 'id', ['p1'])
    await (await read()).done(['v1', 'v2'], new Set(['v2']))
    const rows = await read()
    expect(rows.back.size).toBe(0)
    expect([...rows.waiting]).toEqual([['v2', 'p1']])
    await noteParentsBack(root, 'vehicles', 'id', ['p1'])
    expect([...(await read()).back]).toEqual([['v2', 'p1']])
  })

  it('a line a crash cut short is ignored, and the next append starts on a line of its own', async () => {
    await noteOrphans(root, 'vehicles', 'id', [{ key: 'v1', parent: 'p1' }])
    const file = join(root, 'sent', (await readdir(join(root, 'sent')))[0])
    await appendFile(file, 'o\tv2\tp') // torn: no end of line, no closing field
    await noteOrphans(root, 'vehicles', 'id', [{ key: 'v3', parent: 'p3' }])
    const rows = await read()
    expect([...rows.waiting]).toEqual([
      ['v1', 'p1'],
      ['v3', 'p3']
    ])
  })
})
