import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { callNames, calls, eventNames, events } from '../../src/shared/contract'

describe('the renderer ↔ main contract', () => {
  it('pins the surface: every call with its input and output schema, and every event', async () => {
    const surface = {
      calls: Object.fromEntries(
        Object.entries(calls).map(([name, call]) => [
          name,
          {
            summary: call.summary,
            input: z.toJSONSchema(call.input, { unrepresentable: 'any' }),
            output: z.toJSONSchema(call.output, { unrepresentable: 'any' })
          }
        ])
      ),
      events: Object.fromEntries(Object.entries(events).map(([name, schema]) => [name, z.toJSONSchema(schema)]))
    }
    // A change here is a change of the contract: review it, then update with `npx vitest -u`.
    await expect(JSON.stringify(surface, null, 2)).toMatchFileSnapshot('./__snapshots__/contract-surface.json')
  })

  it('the names the preload exposes are exactly the contract', () => {
    expect([...callNames].sort()).toEqual(Object.keys(calls).sort())
    expect([...eventNames].sort()).toEqual(Object.keys(events).sort())
  })

  it('the preload imports nothing but the names (a sandboxed preload cannot load zod or Node)', () => {
    const preload = readFileSync(join(__dirname, '../../src/preload/index.ts'), 'utf8')
    const imports = [...preload.matchAll(/from '([^']+)'/g)].map((m) => m[1])
    expect(imports).toEqual(['electron', '../shared/contract-names'])
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\b[^.]/)
    expect(preload).not.toContain('process.env')
  })
})
