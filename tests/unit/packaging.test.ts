import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { load } from 'js-yaml'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '../..')
const config = load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path)
  expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG')
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)]
}

describe('packaging', () => {
  it('builds installers for Windows (nsis), macOS (dmg) and Linux (AppImage, deb) under our app id', () => {
    expect(config.appId).toBe('dev.syncstudio.desktop')
    expect(config.win.target).toBe('nsis')
    expect(config.mac.target).toBe('dmg')
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
  })

  it('ships our own icon, large enough for every platform (512 px or more)', () => {
    const [width, height] = pngSize(join(root, 'build/icon.png'))
    expect(width).toBeGreaterThanOrEqual(512)
    expect(height).toBe(width)
  })

  it('packages the built app, not the sources, with no native rebuild', () => {
    expect(config.files).toContain('out/**')
    expect(config.files.some((f: string) => f.startsWith('src'))).toBe(false)
    expect(config.npmRebuild).toBe(false)
    expect(pkg.main).toBe('./out/main/index.js')
  })

  it('takes Electron at the newest stable major (45.x), never downloaded by npm install', () => {
    expect(pkg.devDependencies.electron).toMatch(/^45\.\d+\.\d+$/)
    expect(pkg.allowScripts.electron).toBe(false)
  })

  it('pins every dependency to an exact version', () => {
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect({ name, version }).toEqual({ name, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) })
    }
  })
})
