import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { load } from 'js-yaml'
import { minimatch } from 'minimatch'
import { describe, expect, it } from 'vitest'

// What an installer built from electron-builder.yml would hold and need, checked against the
// files themselves: the entry points the app starts from are packed, the sources are not,
// every asset named exists, and nothing needs a native rebuild.

const root = join(__dirname, '../..')
const config = load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'))

/** Whether electron-builder's `files` patterns take a path of the project into the package. */
function packed(path: string): boolean {
  let included = false
  for (const pattern of config.files as string[]) {
    if (pattern.startsWith('!')) {
      if (minimatch(path, pattern.slice(1), { dot: true })) included = false
    } else if (minimatch(path, pattern, { dot: true })) included = true
  }
  return included
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path)
  expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG')
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)]
}

describe('packaging', () => {
  it('packs every entry point the app and the command line start from', () => {
    const entries = [
      pkg.main.replace(/^\.\//, ''),
      'out/preload/index.js',
      'out/renderer/index.html',
      'out/cli/cli.js',
      ...Object.values(pkg.bin as Record<string, string>).map((bin) => bin.replace(/^\.\//, '')),
      'package.json'
    ]
    for (const entry of entries) expect({ entry, packed: packed(entry) }).toEqual({ entry, packed: true })
  })

  it('leaves the sources, tests and development files out', () => {
    for (const path of [
      'src/main/index.ts',
      'src/shared/contract.ts',
      'tests/unit/packaging.test.ts',
      'bench/sync.ts',
      '.env',
      'docs/sync.md'
    ])
      expect({ path, packed: packed(path) }).toEqual({ path, packed: false })
  })

  it('names only assets that exist: icons square and 512 px or more, the macOS entitlements', () => {
    const icons = new Set(['win', 'mac', 'linux'].map((platform) => config[platform]?.icon).filter(Boolean) as string[])
    expect(icons.size).toBeGreaterThan(0)
    for (const icon of icons) {
      expect(packed(icon) || icon.startsWith(`${config.directories?.buildResources ?? 'build'}/`)).toBe(true)
      const [width, height] = pngSize(join(root, icon))
      expect(width).toBeGreaterThanOrEqual(512)
      expect(height).toBe(width)
    }
    for (const file of [config.mac?.entitlements, config.mac?.entitlementsInherit].filter(Boolean) as string[])
      expect(readFileSync(join(root, file), 'utf8')).toMatch(/<plist[\s>]/)
  })

  it('ships no dependency with native code, so no rebuild per Electron version is needed', () => {
    const runtime = Object.entries(lock.packages as Record<string, { dev?: boolean; hasInstallScript?: boolean }>).filter(
      ([path, info]) => path.startsWith('node_modules/') && !info.dev
    )
    expect(runtime.length).toBeGreaterThan(0)
    const native: string[] = []
    for (const [path, info] of runtime) {
      const folder = join(root, path)
      const hasBinary = existsSync(folder) && readdirSync(folder).some((name) => name === 'binding.gyp' || name.endsWith('.node'))
      if (info.hasInstallScript || hasBinary) native.push(path)
    }
    expect(native).toEqual([])
    expect(config.npmRebuild).toBe(false)
  })

  it('installs exactly the versions package.json pins', () => {
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect({ name, version }).toEqual({ name, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) })
      expect({ name, locked: lock.packages[`node_modules/${name}`]?.version }).toEqual({ name, locked: version })
    }
  })
})
