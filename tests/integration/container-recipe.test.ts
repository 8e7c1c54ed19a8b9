import { execFileSync, execSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureCliBuilt, root } from './fixtures/built-cli'

/**
 * The container recipe (Dockerfile, docs/scale.md) cannot be built here (no Docker): these
 * checks run what a build does — every file it copies exists and is not kept out by
 * .dockerignore, the stages' steps run in folders of their own and the result answers
 * `--help` and validates an example with production dependencies only — and the built CLI
 * bundle requires nothing that `npm ci --omit=dev` leaves out.
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

  it("runs the recipe's steps: the build stage's commands build a CLI bundle that the run stage's files and production dependencies run", () => {
    // Each stage as Docker would run it, in a folder of its own, without Docker: COPY copies
    // from the checkout (or the build stage), RUN runs its command there. `npm ci` needs the
    // registry: the build stage links the installed packages instead, and the run stage gets
    // only the production dependencies (`npm ls --omit=dev`), linked in with symlinks Node
    // does not follow (--preserve-symlinks), so a dev dependency the bundle needs fails here.
    expect(stages).toHaveLength(2)
    const work = mkdtempSync(join(tmpdir(), 'ss-recipe-'))
    try {
      const folders = [join(work, 'build'), join(work, 'run')]
      const production = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' })
        .split('\n')
        .map((line) => relative(join(root, 'node_modules'), line.trim()))
        .filter((path) => path && !path.startsWith('..') && !path.includes('node_modules'))
      let entrypoint: string[] = []
      let cmd: string[] = []
      for (const [index, stage] of stages.entries()) {
        const here = folders[index]
        mkdirSync(here, { recursive: true })
        for (const line of stage.split('\n').slice(1)) {
          const [instruction, ...rest] = line.split(' ')
          const args = rest.filter((a) => !a.startsWith('--from='))
          if (instruction === 'COPY') {
            const from = line.includes('--from=build') ? folders[0] : root
            const sources = args.slice(0, -1).flatMap((source) => {
              if (!source.includes('*')) return [source]
              const pattern = new RegExp(`^${source.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`)
              return readdirSync(from).filter((name) => pattern.test(name))
            })
            const target = join(here, args[args.length - 1])
            for (const source of sources) {
              const path = source.replace(/^\/src\//, '')
              cpSync(join(from, path), sources.length > 1 || args.length > 2 ? join(target, basename(path)) : target, { recursive: true })
            }
          } else if (instruction === 'RUN') {
            const command = rest.join(' ')
            if (command.startsWith('npm ci')) {
              const modules = join(here, 'node_modules')
              if (command.includes('--omit=dev')) {
                for (const name of production) {
                  mkdirSync(dirname(join(modules, name)), { recursive: true })
                  symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir')
                }
              } else symlinkSync(join(root, 'node_modules'), modules, 'dir')
            } else if (index === 0) execSync(command, { cwd: here, stdio: 'pipe' })
          } else if (instruction === 'ENTRYPOINT') entrypoint = JSON.parse(rest.join(' ')) as string[]
          else if (instruction === 'CMD') cmd = JSON.parse(rest.join(' ')) as string[]
        }
      }
      const bundle = readFileSync(join(folders[1], 'out/cli/cli.js'), 'utf8')
      expect(bundle).not.toMatch(/require\("electron"\)/)
      expect(entrypoint[0]).toBe('node')
      const script = join(folders[1], relative('/app', entrypoint[1]))
      const userData = join(work, 'user-data')
      const help = spawnSync(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', script, ...cmd], {
        cwd: folders[1],
        encoding: 'utf8',
        env: { PATH: process.env.PATH, NODE_ENV: 'production', SYNC_STUDIO_USER_DATA: userData }
      })
      expect(help.stderr).toBe('')
      expect(help.status).toBe(0)
      expect(help.stdout).toMatch(/Usage: sync-studio <command>/)
      // A command that loads the whole bundle (validate reads a mapping and checks it).
      const example = readdirSync(join(folders[1], 'examples')).find((f) => f.endsWith('.json'))
      expect(example).toBeDefined()
      const validate = spawnSync(
        process.execPath,
        ['--preserve-symlinks', '--preserve-symlinks-main', script, 'validate', join('examples', example!), '--sandbox'],
        {
          cwd: folders[1],
          encoding: 'utf8',
          env: { PATH: process.env.PATH, NODE_ENV: 'production', SYNC_STUDIO_USER_DATA: userData }
        }
      )
      expect(validate.stderr).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/)
      expect(validate.status, validate.stdout + validate.stderr).toBe(0)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }, 180_000)

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
