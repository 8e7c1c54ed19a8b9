import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

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
      const result = cli('validate', join(fixtures, 'good', file), '--offline')
      expect(result.err).toBe('')
      expect(result.code).toBe(0)
      expect(result.out).toMatch(/: format valid \(\d+ flows?\); schemas not checked \(--offline\)\n$/)
    })
  }

  for (const file of readdirSync(join(fixtures, 'broken'))) {
    it(`validate rejects ${file} with path-specific messages`, () => {
      const path = join(fixtures, 'broken', file)
      const result = cli('validate', path)
      expect(result.code).toBe(1)
      const lines = result.err.trim().split('\n')
      expect(lines.at(-1)).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ problems?$`))
      for (const line of lines.slice(0, -1))
        expect(line).toMatch(/^.+\.json: (\(document\)|[A-Za-z$_][\w$]*(\[\d+\]|\.[\w$]+|\["[^"]*"\])*): .+/)
    })
  }

  it('validate prints the exact problem for a misspelt transform', () => {
    const path = join(fixtures, 'broken/misspelt-transform.json')
    expect(cli('validate', path).err).toBe(
      `${path}: flows[0].fields[3].steps[1].fn: unknown transform "lowr" — did you mean "lower"?\n${path}: 1 problem\n`
    )
  })

  it('validate checks several files and fails if any fails; --json reports all', () => {
    const good = join(fixtures, 'good/empty.json')
    const bad = join(fixtures, 'broken/not-json.json')
    const result = cli('validate', good, bad, '--json', '--offline')
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

  describe('against the schemas (--sandbox)', () => {
    const journal = mkdtempSync(join(tmpdir(), 'sync-studio-validate-'))
    afterAll(() => rmSync(journal, { recursive: true, force: true }))
    const write = (name: string, edit: (doc: { flows: Array<Record<string, any>> }) => void): string => {
      const doc = JSON.parse(
        readFileSync(join(root, 'examples', name.startsWith('custom') ? 'custom-tables.mapping.json' : 'contacts.mapping.json'), 'utf8')
      )
      edit(doc)
      const path = join(journal, `${name}.json`)
      writeFileSync(path, JSON.stringify(doc))
      return path
    }

    it('accepts the examples, and says when the schemas were not checked', () => {
      const ok = cli(
        'validate',
        join(root, 'examples/contacts.mapping.json'),
        join(root, 'examples/custom-tables.mapping.json'),
        '--sandbox',
        '--journal',
        journal
      )
      expect(ok.code).toBe(0)
      expect(ok.out).toMatch(/contacts\.mapping\.json: valid \(1 flow; checked against the sandbox schemas, 0 errors/)
      expect(cli('validate', join(root, 'examples/contacts.mapping.json'), '--sandbox', '--offline').code).toBe(2)
    })

    it('fails a mapping that names a connection this machine does not have, saying where and what to do', () => {
      const elsewhere = join(journal, 'elsewhere.json')
      const doc = JSON.parse(readFileSync(join(root, 'examples/contacts.mapping.json'), 'utf8'))
      writeFileSync(elsewhere, JSON.stringify({ ...doc, connections: { dynamics: 'Contoso Production', campaign: 'Sandbox' } }))
      const result = cli('validate', elsewhere, '--sandbox', '--journal', journal)
      expect(result.code).toBe(1)
      expect(result.err).toContain(
        `${elsewhere}: connections.dynamics: No connection named 'Contoso Production'. Known connections: Sandbox. Create it (Connections in the app), define it with environment variables (docs/connections.md), or name one that exists here.`
      )
      expect(result.err).toContain(`${elsewhere}: 1 error, 0 warnings — a connection it names is not defined here`)
      expect(result.out).not.toMatch(/valid/)
      const json = cli('validate', elsewhere, '--sandbox', '--journal', journal, '--json')
      expect(json.code).toBe(1)
      const [report] = JSON.parse(json.out) as Array<{ ok: boolean; schemas: string; problems: Array<{ path: unknown[] }> }>
      expect(report).toMatchObject({ ok: false, schemas: 'unreachable' })
      expect(report!.problems.map((p) => p.path)).toEqual([['connections', 'dynamics']])
      // --offline checks the format alone, as it says.
      expect(cli('validate', elsewhere, '--offline').code).toBe(0)
      // A run of it is refused the same way, before anything is read (it said "Sync failed … resumes from the last checkpoint").
      const run = cli('run', elsewhere, '--sandbox', '--journal', journal)
      expect(run.code).toBe(1)
      expect(run.err).toContain(`${elsewhere}: connections.dynamics: No connection named 'Contoso Production'.`)
      expect(run.err).toContain('nothing was read or written')
      expect(run.out).not.toMatch(/Sync failed|resumes/)
    })

    it('finds a misspelt filter field, unknown and read-only fields, with paths and display names; preview and run refuse before reading', () => {
      const typo = write('typo', (doc) => {
        doc.flows[0].filter.all[0].field = 'statecod'
        doc.flows[0].deletes.deleteWhenFilteredOut = true
      })
      const result = cli('validate', typo, '--sandbox', '--journal', journal)
      expect(result.code).toBe(1)
      expect(result.err).toContain(
        'flows[0].filter.all[0].field: "statecod" is not a field of Dynamics "contact" — did you mean "Status" (statecode)?'
      )
      const run = cli('run', typo, '--sandbox', '--journal', journal)
      expect(run.code).toBe(1)
      expect(run.err).toContain('1 schema error(s) — nothing was read or written')
      expect(run.out).not.toMatch(/read|deleted/)
      expect(cli('preview', typo, '--sandbox', '--journal', journal).code).toBe(1)

      const fields = write('fields', (doc) => {
        doc.flows[0].fields[0].from = ['emailadress1']
        doc.flows[0].fields.push({ target: 'PKey', from: ['contactid'] }, { target: 'nickname', from: ['firstname'] })
      })
      const bad = cli('validate', fields, '--sandbox', '--journal', journal, '--json')
      expect(bad.code).toBe(1)
      const [report] = JSON.parse(bad.out)
      expect(report.schemas).toBe('checked')
      expect(report.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            path: ['flows', 0, 'fields', 0, 'from', 0],
            message: expect.stringContaining('did you mean "Email" (emailaddress1)')
          }),
          expect.objectContaining({
            path: ['flows', 0, 'fields', 6, 'target'],
            message: expect.stringContaining('"Primary key" (PKey) is read-only in Campaign')
          }),
          expect.objectContaining({
            path: ['flows', 0, 'fields', 7, 'target'],
            message: expect.stringContaining('"nickname" is not a field of Campaign "profile"')
          })
        ])
      )
    })

    it('refuses link cycles, self-links and unknown parent flows', () => {
      const links = write('custom-links', (doc) => {
        doc.flows[1].links[0].parentFlow = 'registrations'
        doc.flows[2].links[0].parentFlow = 'vehicles'
      })
      const cycle = cli('validate', links, '--sandbox', '--journal', journal)
      expect(cycle.code).toBe(1)
      expect(cycle.err).toContain('flows[1].links[0].parentFlow: the links form a cycle ("vehicles" → "registrations" → "vehicles")')
      const self = write('custom-self', (doc) => {
        doc.flows[1].links[0].parentFlow = 'vehicles'
        doc.flows[2].links[0].parentFlow = 'contact'
      })
      const result = cli('validate', self, '--sandbox', '--journal', journal)
      expect(result.err).toContain('flows[1].links[0].parentFlow: a flow cannot be its own parent')
      expect(result.err).toContain('flows[2].links[0].parentFlow: no flow has the id "contact" — did you mean "contacts"?')
      expect(cli('run', self, '--sandbox', '--dry-run', '--journal', journal).code).toBe(1)
    })
  })
})
