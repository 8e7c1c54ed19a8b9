#!/usr/bin/env node
// npm run bench -- <name>: runs bench/<name>.ts (figures are printed side by side in one run).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const available = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
const [name, ...rest] = process.argv.slice(2)
if (!name || !existsSync(join(root, 'bench', `${name}.ts`))) {
  console.error(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}`)
  process.exit(2)
}
const result = spawnSync(
  process.execPath,
  ['--expose-gc', join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'bench', `${name}.ts`), ...rest],
  {
    cwd: root,
    stdio: 'inherit'
  }
)
process.exit(result.status ?? 1)
