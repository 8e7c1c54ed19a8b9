import { defineConfig } from 'vitest/config'

// The tests that cover the mutated core: unit tests and the integration tests that exercise the
// mapping engine, filters and sync rules without the browser. Stryker runs, per mutant, only
// the tests that reach it.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/{cli-validate,sync-flow-*,app-services}.test.ts'],
    exclude: ['tests/unit/house-rules.test.ts', 'tests/unit/packaging.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
