#!/usr/bin/env node
'use strict'
// The sync-studio command line: runs the built CLI bundle in plain Node.
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const cli = join(__dirname, '..', 'out', 'cli', 'cli.js')
if (!existsSync(cli)) {
  process.stderr.write('sync-studio: the app is not built yet — run `npm run build` in the project folder first.\n')
  process.exit(2)
}
require(cli).main()
