import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { griffelCss } from '../../scripts/griffel-css.mjs'

// The canvas bench page: our canvas and a bare React Flow canvas, built like the app's renderer (minified, production React, Fluent UI's styles in the CSS file).
export default defineConfig({
  root: resolve(import.meta.dirname),
  base: './',
  plugins: [react(), griffelCss()],
  logLevel: 'warn',
  build: {
    outDir: resolve(import.meta.dirname, '../../.test-output/bench-canvas'),
    emptyOutDir: true,
    minify: true,
    modulePreload: { polyfill: false }
  }
})
