import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/** Runs the built command line as a user does (npm test builds it first). */
const root = join(__dirname, '../..')
function cli(...args: string[]) {
  if (!existsSync(join(root, 'out/cli/cli.js'))) throw new Error('out/cli/cli.js is missing — run `npm run build` first (npm test does)')
  const result = spawnSync(process.execPath, [join(root, 'bin/sync-studio.cjs'), ...args], { cwd: root, encoding: 'utf8' })
  return { code: result.status, out: result.stdout, err: result.stderr }
}
const fixtures = join(root, 'tests/fixtures/mappings')

describe('sync-studio (the command line)', () => {
  it('prints help and version', () => {
    const help = cli('--help')
    expect(help.code).toBe(0)
    expect(help.out).toContain('Usage: sync-studio <command> [options]')
    expect(help.out).toMatch(/validate\s+Check mapping files/)
    const version = cli('--version')
    expect(version.out.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version)
  })

  it('refuses an unknown command with exit code 2', () => {
    const result = cli('frobnicate')
    expect(result.code).toBe(2)
    expect(result.err).toContain('unknown command "frobnicate"')
  })

  for (const file of readdirSync(join(fixtures, 'good'))) {
    it(`validate accepts ${file}`, () => {
      const result = cli('validate', join(fixtures, 'good', file))
      expect(result.err).toBe('')
      expect(result.code).toBe(0)
      expect(result.out).toMatch(/: valid \(\d+ flows?\)\n$/)
    })
  }

  for (const file of readdirSync(join(fixtures, 'broken'))) {
    it(`validate rejects ${file} with path-specific messages`, () => {
      const path = join(fixtures, 'broken', file)
      const result = cli('validate', path)
      expect(result.code).toBe(1)
      const lines = result.err.trim().split('\n')
      expect(lines.at(-1)).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ problems?$`))
      for (const line of lines.slice(0, -1)) expect(line).toMatch(/^.+\.json: (\(document\)|[A-Za-z$_][\w$]*(\[\d+\]|\.[\w$]+|\["[^"]*"\])*): .+/)
    })
  }

  it('validate prints the exact problem for a misspelt transform', () => {
    const path = join(fixtures, 'broken/misspelt-transform.json')
    expect(cli('validate', path).err).toBe(`${path}: flows[0].fields[3].steps[1].fn: unknown transform "lowr" — did you mean "lower"?\n${path}: 1 problem\n`)
  })

  it('validate checks several files and fails if any fails; --json reports all', () => {
    const good = join(fixtures, 'good/empty.json')
    const bad = join(fixtures, 'broken/not-json.json')
    const result = cli('validate', good, bad, '--json')
    expect(result.code).toBe(1)
    const report = JSON.parse(result.out)
    expect(report.map((r: { ok: boolean }) => r.ok)).toEqual([true, false])
    expect(report[1].problems[0].message).toContain('line 4, column 3')
  })

  it('validate says when a file does not exist', () => {
    const result = cli('validate', 'no/such/file.json')
    expect(result.code).toBe(1)
    expect(result.err).toContain('no/such/file.json: cannot read the file (it does not exist) — check the path')
  })

  it('validate without a file shows its usage and exits 2', () => {
    const result = cli('validate')
    expect(result.code).toBe(2)
    expect(result.err).toContain('usage: sync-studio validate <mapping.json>')
  })
})
