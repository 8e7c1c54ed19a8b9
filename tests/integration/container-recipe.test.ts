import { readFileSync, existsSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureCliBuilt, root } from './fixtures/built-cli'

/**
 * The container recipe (Dockerfile, docs/scale.md) cannot be built here (no Docker): these
 * checks hold it to what a build needs — every file it copies exists and is not kept out by
 * .dockerignore, the run stage is Node 20 slim, production dependencies only, a non-root
 * user — and the built CLI bundle requires nothing that `npm ci --omit=dev` leaves out.
 */
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')
const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
const stages = instructions
  .join('\n')
  .split(/^FROM /m)
  .slice(1)

beforeAll(() => ensureCliBuilt(), 120_000)

describe('the container recipe', () => {
  it('copies only files a clean checkout has, none of them kept out of the build context', () => {
    const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
    expect(copies.length).toBeGreaterThan(3)
    for (const copy of copies) {
      const sources = copy.split(/\s+/).slice(1, -1)
      for (const source of sources) {
        for (const path of source.includes('*') ? [] : [source]) expect(existsSync(join(root, path)), path).toBe(true)
        const top = source.split('/')[0]
        expect(ignored, `${source} is in .dockerignore`).not.toContain(top)
      }
    }
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'out', '.git', 'tests']))
  })

  it('builds the CLI bundle only, and runs it on Node 20 slim as a non-root user with production dependencies', () => {
    expect(stages).toHaveLength(2)
    const [build, run] = stages
    expect(build).toMatch(/^node:20-slim AS build/)
    expect(build).toMatch(/npm ci --ignore-scripts/)
    expect(build).toMatch(/vite build -c vite\.cli\.config\.mts/)
    expect(build).not.toMatch(/electron-vite|npm run build/)
    expect(run).toMatch(/^node:20-slim\n/)
    expect(run).toMatch(/npm ci --omit=dev --ignore-scripts/)
    expect(run).toMatch(/COPY --from=build \/src\/out\/cli \.\/out\/cli/)
    expect(run).toMatch(/^USER node$/m)
    expect(run).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/sync-studio\.cjs"\]$/m)
    expect(run).not.toMatch(/electron/i)
  })

  it('needs no dev dependency at run time: every package the bundle requires is a production dependency', () => {
    const bundle = readFileSync(join(root, 'out/cli/cli.js'), 'utf8')
    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))
    const packages = [...required]
      .filter((name) => !name.startsWith('node:') && !builtinModules.includes(name) && !name.startsWith('.'))
      .map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]))
    expect(packages.length).toBeGreaterThan(3)
    for (const name of packages) expect(Object.keys(pkg.dependencies), name).toContain(name)
    expect(packages).not.toContain('electron')
  })
})
