import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The canvas bench page: our canvas and a bare React Flow canvas, built like the app's renderer (minified, production React).
export default defineConfig({
  root: resolve(import.meta.dirname),
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: resolve(import.meta.dirname, '../../.test-output/bench-canvas'),
    emptyOutDir: true,
    minify: true,
    modulePreload: { polyfill: false }
  }
})
