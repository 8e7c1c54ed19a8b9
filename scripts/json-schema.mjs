#!/usr/bin/env node
// Writes docs/mapping.schema.json from the zod schema of the mapping document.
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules/tsx/dist/cli.mjs'),
    '-e',
    `import { mappingJsonSchema } from './src/shared/mapping/document-io'
     import { writeFileSync } from 'node:fs'
     writeFileSync('docs/mapping.schema.json', JSON.stringify(mappingJsonSchema(), null, 2) + '\\n')`
  ],
  { cwd: root, stdio: 'inherit' }
)
console.log('wrote docs/mapping.schema.json')
